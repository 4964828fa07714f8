"""A province witnesses the log over HTTP on the local stack: `gateway witness serve` runs as its
own process, the gateway (configured with it in CG_WITNESSES) has it cosign on `gateway tick`,
and `gateway verify-log --witnesses-required` trusts what the witnesses cosigned."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from e2e_support import as_operator, drain, entry, register

from gateway_client.cli import main as cli
from gateway_client.contract import generate_signing_key, load_private_key
from gateway_client.push_client import PushClient, http_request
from gateway_client.tlog import CosignatureSigner, CosignatureVerifier, open_note
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

PROVINCE, CITY = "430000", "430100"  # 湖南省, 长沙市
WITNESS = "witness.hunan.example.cn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The stack, told of the witness before it starts; the witness, once the stack serves
    the log's vkey."""
    where = tmp_path_factory.mktemp("witness")
    key_file = where / "witness.key"
    key_file.write_text(generate_signing_key() + "\n", encoding="utf-8")
    signer = CosignatureSigner(WITNESS, load_private_key(key_file.read_text().strip()))
    port = free_port()
    listed = [{"name": WITNESS, "vkey": signer.vkey, "url": f"http://127.0.0.1:{port}"}]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CG_WITNESSES", json.dumps(listed))
        with LocalStack() as stack:
            stack.run_pump_in_background()
            vkey = http_request("GET", f"{stack.url}/v1/log/vkey").body["vkey"]
            serving = subprocess.Popen(  # noqa: S603 - our own command
                [
                    *(sys.executable, "-m", "gateway_client.cli.main", "witness", "serve"),
                    *("--name", WITNESS, "--key-file", str(key_file), "--log-vkey", vkey),
                    *("--state", str(where / "witness.json"), "--port", str(port)),
                ],
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                assert serving.stderr is not None
                assert "witness: http://127.0.0.1" in serving.stderr.readline()
                yield {"stack": stack, "where": where, "signer": signer}
            finally:
                serving.terminate()
                serving.wait(timeout=10)


def verify_log(world: dict[str, Any], required: int, *vkeys: str) -> int:
    stack: LocalStack = world["stack"]
    witnesses = [arg for vkey in vkeys for arg in ("--witness", vkey)]
    return cli.main(
        [
            *("verify-log", "--deliveries", str(world["deliveries"])),
            *("--subscription", world["subscription_id"], "--region", PROVINCE),
            *("--key-id", "hn-1", "--key-file", str(world["where"] / "hn.key")),
            *("--url", stack.url, *witnesses, "--witnesses-required", str(required)),
        ]
    )


def test_the_tick_has_the_witness_cosign_and_verify_log_counts_it(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    stack: LocalStack = world["stack"]
    register(stack, PROVINCE, "hn-1", world["where"] / "hn.key")
    city = PushClient(stack.url, CITY, register(stack, CITY, "cs-1", world["where"] / "cs.key"))
    subscribed = as_operator(
        stack, "POST", "/v1/subscriptions", {"region": PROVINCE, "url": "http://127.0.0.1:9/x"}
    )
    assert subscribed.status == 201, subscribed.body
    world["subscription_id"] = subscribed.body["subscription_id"]
    world["deliveries"] = world["where"] / "none.ndjson"
    world["deliveries"].write_text("", encoding="utf-8")
    assert city.push([entry(1)], datetime.now(UTC)).status == 200
    drain(stack)

    assert cli.main(["tick", "--url", stack.url, "--token", stack.operator_token]) == 0

    note = str(http_request("GET", f"{stack.url}/v1/log/checkpoint").body)
    verifier = CosignatureVerifier.from_vkey(world["signer"].vkey)
    assert open_note(note, [verifier])[1] == [WITNESS]
    other = CosignatureSigner("witness.hubei.example.cn", Ed25519PrivateKey.generate()).vkey
    capsys.readouterr()
    assert verify_log(world, 1, world["signer"].vkey, other) == 0
    said = capsys.readouterr().out
    assert "witnessed by 1+ witnesses through" in said
    assert "OK" in said
    assert verify_log(world, 2, world["signer"].vkey, other) == 1
    said = capsys.readouterr().out
    assert "cosignatures of 2 of the witnesses" in said
    assert "FAILED" in said
