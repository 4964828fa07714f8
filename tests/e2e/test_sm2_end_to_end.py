"""SM2 end to end on the local stack, with the `gateway` command alone: 长沙市 makes an SM2 key
with its own user ID and pushes signed ``v1sm2``; 湖南省 subscribes ``v1sm2`` with its SM2 key,
runs `gateway listen --algorithm sm2` (trusting the gateway's SM2 key only), and audits what
it stored with `verify-log --algorithm sm2` against SM2-signed checkpoints."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import entry
from test_self_service_cli import free_port, stored_ids, wait_for

from gateway_client.cli import main as cli
from gateway_client.push_client import http_request
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

PROVINCE, CITY = "430000", "430100"  # 湖南省, 长沙市
CITY_ID = "长沙市公共信用信息平台"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        running.run_pump_in_background()
        yield running


def gateway(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run one `gateway …` command in-process: its exit status and what it printed."""
    capsys.readouterr()
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out + err


def printed_json(out: str) -> Any:
    lines = out.splitlines()  # the in-process app prints log lines around the JSON
    start, end = lines.index("{"), len(lines) - lines[::-1].index("}")
    return json.loads("\n".join(lines[start:end]))


def test_a_city_pushes_sm2_and_a_province_receives_and_audits_sm2_only(
    stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    operator = ("--url", stack.url, "--token", stack.operator_token)
    city_key, province_key = tmp_path / "cs.key", tmp_path / "hn.key"
    keygen = ("keygen", "--algorithm", "sm2", "--out")
    assert gateway(capsys, *keygen, str(city_key), "--user-id", CITY_ID)[0] == 0
    assert gateway(capsys, *keygen, str(province_key))[0] == 0
    for region, key_id, key_file in (
        (CITY, "cs-sm2", city_key),
        (PROVINCE, "hn-sm2", province_key),
    ):
        assert gateway(capsys, "region", "put", region, "--name", region, *operator)[0] == 0
        added = gateway(
            capsys,
            "region",
            "add-key",
            region,
            "--key-id",
            key_id,
            "--key-file",
            str(key_file),
            *operator,
        )
        assert added[0] == 0, added[1]
    listed = http_request("GET", f"{stack.url}/v1/keys").body["keys"]
    assert [k["algorithm"] for k in listed] == ["ed25519", "sm2"]

    port, store = free_port(), tmp_path / "deliveries.ndjson"
    request = tmp_path / "subscription.json"
    url = f"http://127.0.0.1:{port}/hooks/credit"
    request.write_text(json.dumps({"region": PROVINCE, "url": url, "signature_scheme": "v1sm2"}))
    as_province = ("--url", stack.url, "--key-id", "hn-sm2", "--key-file", str(province_key))
    status, out = gateway(capsys, "subscribe", str(request), *as_province)
    assert status == 0, out
    subscription_id = printed_json(out)["subscription_id"]
    listening = subprocess.Popen(  # noqa: S603 - our own command
        [
            *(sys.executable, "-m", "gateway_client.cli.main", "listen", "--algorithm", "sm2"),
            *("--port", str(port), "--subscription", subscription_id),
            *("--region", PROVINCE, "--store", str(store), "--url", stack.url),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    said: list[str] = []
    try:
        assert listening.stderr is not None
        assert "listen: http://127.0.0.1" in listening.stderr.readline()
        threading.Thread(target=lambda: said.extend(listening.stderr or ()), daemon=True).start()
        status, out = gateway(capsys, "verify", subscription_id, *as_province)
        assert printed_json(out)["subscription"]["state"] == "verified", out

        entries = tmp_path / "entries.json"
        entries.write_text(json.dumps([entry(1), entry(2)], ensure_ascii=False), encoding="utf-8")
        as_city = ("--region", CITY, "--key-id", "cs-sm2", "--key-file", str(city_key))
        status, out = gateway(capsys, "push", str(entries), *as_city, "--url", stack.url)
        assert (status, printed_json(out)["accepted"]) == (0, 2), out
        wait_for(lambda: len(stored_ids(store)) == 2)
        assert gateway(capsys, "tick", *operator)[0] == 0  # publishes a checkpoint

        audit = ("verify-log", "--deliveries", str(store), "--subscription", subscription_id)
        status, out = gateway(
            capsys, *audit, "--region", PROVINCE, *as_province, "--algorithm", "sm2"
        )
        assert status == 0, out
        assert "sm2-signed checkpoint through 2" in out
        assert "OK: nothing dropped, reordered or altered" in out

        tampered = store.read_text(encoding="utf-8").replace(
            "长沙某某1有限公司", "长沙某某9有限公司"
        )
        store.write_text(tampered, encoding="utf-8")
        status, out = gateway(
            capsys, *audit, "--region", PROVINCE, *as_province, "--algorithm", "sm2"
        )
        assert status == 1
        assert "(altered)" in out
    finally:
        listening.terminate()
        listening.wait(timeout=10)
    assert not any("refused" in line for line in said), said
