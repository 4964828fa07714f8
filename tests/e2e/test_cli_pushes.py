"""`gateway push` as a platform's script runs it: the same command with the same --batch-id after
a timeout is the same request (the first reply again), a push or an upload; removals go in a
file of the wire's shape; and a command whose output is cut off (`| head`) does not say the
gateway is down (review 113)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import as_operator, entry

from gateway_client.cli import main as cli
from gateway_client.cli.errors import OUTPUT_CLOSED, SOME_REFUSED
from gateway_client.contract.signing import generate_signing_key, load_private_key, public_key_text
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

CITY = "430100"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        running.run_pump_in_background()
        yield running


@pytest.fixture(scope="module")
def signing(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    private = generate_signing_key()
    key_file = tmp_path_factory.mktemp("cli-retries") / "cs.key"
    key_file.write_text(private + "\n", encoding="utf-8")
    assert as_operator(stack, "PUT", f"/v1/regions/{CITY}", {"name": "长沙市"}).status == 200
    key = {"key_id": "cs-1", "public_key": public_key_text(load_private_key(private))}
    assert as_operator(stack, "POST", f"/v1/regions/{CITY}/keys", key).status == 201
    return ("--region", CITY, "--key-id", "cs-1", "--key-file", str(key_file))


def gateway(stack: LocalStack, capsys: Any, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main([*argv, "--url", stack.url])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_push_run_again_with_its_batch_id_gets_the_first_reply(
    stack: LocalStack, signing: tuple[str, ...], tmp_path: Path, capsys: Any
) -> None:
    entries = tmp_path / "entries.json"
    entries.write_text(json.dumps([entry(1131)], ensure_ascii=False), encoding="utf-8")
    argv = ("push", str(entries), *signing, "--batch-id", "b-cli-retry")

    first = gateway(stack, capsys, *argv)
    again = gateway(stack, capsys, *argv)

    assert (first[0], again[0]) == (0, 0), again[2]
    assert json.loads(again[1]) == json.loads(first[1])
    assert json.loads(first[1])["accepted"] == 1


def test_another_body_under_a_batch_id_is_still_refused(
    stack: LocalStack, signing: tuple[str, ...], tmp_path: Path, capsys: Any
) -> None:
    entries = tmp_path / "entries.json"
    entries.write_text(json.dumps([entry(1132)], ensure_ascii=False), encoding="utf-8")
    assert gateway(stack, capsys, "push", str(entries), *signing, "--batch-id", "b-cli-2")[0] == 0
    entries.write_text(json.dumps([entry(1133)], ensure_ascii=False), encoding="utf-8")

    status, _, err = gateway(stack, capsys, "push", str(entries), *signing, "--batch-id", "b-cli-2")

    assert status == 1
    assert "batch_id_reused" in err


def test_an_upload_run_again_with_its_id_is_the_same_upload(
    stack: LocalStack, signing: tuple[str, ...], tmp_path: Path, capsys: Any
) -> None:
    bulk = tmp_path / "full.ndjson"
    lines = (json.dumps(entry(n), ensure_ascii=False) + "\n" for n in (1141, 1142))
    bulk.write_text("".join(lines), encoding="utf-8")
    argv = ("push", "--bulk", str(bulk), *signing, "--batch-id", "u-cli-retry", "--wait", "30")

    first = gateway(stack, capsys, *argv)
    again = gateway(stack, capsys, *argv)

    assert (first[0], again[0]) == (0, 0), again[2]
    assert again[1] == first[1]  # the same upload, completed


def test_a_file_of_the_wires_shape_pushes_removals_too(
    stack: LocalStack, signing: tuple[str, ...], tmp_path: Path, capsys: Any
) -> None:
    listed = entry(1151)
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps([listed], ensure_ascii=False), encoding="utf-8")
    assert gateway(stack, capsys, "push", str(batch), *signing)[0] == 0
    identity = ("credit_code", "kind", "domain", "deciding_authority", "decision_number")
    removal = {name: listed[name] for name in identity} | {
        "reason": "revoked",
        "source_updated_at": datetime.now(UTC).isoformat(),
    }
    batch.write_text(json.dumps({"removals": [removal]}, ensure_ascii=False), encoding="utf-8")

    status, out, err = gateway(stack, capsys, "push", str(batch), *signing)

    assert status == 0, err
    assert (json.loads(out)["removed"], json.loads(out)["rejected"]) == (1, 0)
    [held] = as_operator(stack, "GET", f"/v1/subjects/{listed['credit_code']}").body["listings"]
    assert held["listing"]["status"] == "revoked"


def test_a_push_with_refused_entries_says_so_in_its_exit_status(
    stack: LocalStack, signing: tuple[str, ...], tmp_path: Path, capsys: Any
) -> None:
    batch = tmp_path / "batch.json"
    refused = entry(1161) | {"decided_on": "not a date"}
    batch.write_text(json.dumps([entry(1162), refused], ensure_ascii=False), encoding="utf-8")

    status, out, _ = gateway(stack, capsys, "push", str(batch), *signing)

    assert status == SOME_REFUSED
    assert (json.loads(out)["accepted"], json.loads(out)["rejected"]) == (1, 1)


def test_an_upload_with_refused_lines_says_so_in_its_exit_status(
    stack: LocalStack, signing: tuple[str, ...], tmp_path: Path, capsys: Any
) -> None:
    """As a push does: a nightly resync notices its refused lines (review 117 F4)."""
    bulk = tmp_path / "full.ndjson"
    refused = entry(1172) | {"decided_on": "not a date"}
    lines = (json.dumps(e, ensure_ascii=False) + "\n" for e in (entry(1171), refused))
    bulk.write_text("".join(lines), encoding="utf-8")

    status, out, _ = gateway(stack, capsys, "push", "--bulk", str(bulk), *signing, "--wait", "30")

    assert status == SOME_REFUSED
    assert "completed" in out


def test_output_cut_off_is_not_blamed_on_the_gateway(stack: LocalStack) -> None:
    program = "import sys; from gateway_client.cli import main as m; sys.exit(m.main(sys.argv[1:]))"
    argv = [sys.executable, "-c", program, "region", "put", "430200", "--name", "株洲市"]
    argv += ["--url", stack.url, "--token", stack.operator_token]
    command = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    assert command.stdout is not None
    assert command.stderr is not None
    command.stdout.close()  # the reader has gone, as `| head` goes once it has its lines
    said = command.stderr.read().decode()

    assert command.wait(timeout=30) == OUTPUT_CLOSED
    assert said == ""
    regions = as_operator(stack, "GET", "/v1/regions").body["regions"]
    assert {"430200": "株洲市"}.items() <= {r["code"]: r["name"] for r in regions}.items()
