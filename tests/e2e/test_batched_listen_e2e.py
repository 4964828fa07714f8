"""Batched delivery end to end over HTTP on the local stack: a province subscribes with
``delivery_mode: batched``, runs `gateway listen` (a separate process), and one push of several
listings reaches it as one ``deliveries.batch`` webhook whose file `gateway listen` fetches by
its presigned link, proves and stores line by line; `gateway verify-log` then proves every
change received that way included in the signed log, and each line in the file whose digest
the kept announcement signed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import entry, register
from test_self_service_cli import Province, free_port, stored_ids, wait_for

from gateway_client.cli import main as cli
from gateway_client.push_client import PushClient
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

PROVINCE, CITY = "430000", "430100"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:  # pumped by the test: the push's records read as one batch
        yield running


def test_a_batch_reaches_gateway_listen_and_verify_log_proves_its_changes(
    stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register(stack, PROVINCE, "hn-1", tmp_path / "hn.key")
    city = PushClient(stack.url, CITY, register(stack, CITY, "cs-1", tmp_path / "cs.key"))
    province = Province(stack, "hn-1", tmp_path / "hn.key", capsys)
    port, store = free_port(), tmp_path / "deliveries.ndjson"
    request = tmp_path / "subscription.json"
    url = f"http://127.0.0.1:{port}/hooks/credit"
    request.write_text(json.dumps({"region": PROVINCE, "url": url, "delivery_mode": "batched"}))
    status, created = province.run("subscribe", str(request))
    assert status == 0, created
    subscription_id = created["subscription_id"]
    listening = subprocess.Popen(  # noqa: S603 - our own command
        [
            *(sys.executable, "-m", "gateway_client.cli.main", "listen"),
            *("--port", str(port), "--subscription", subscription_id, "--region", PROVINCE),
            *("--store", str(store), "--url", stack.url),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    said: list[str] = []
    try:
        assert listening.stderr is not None
        assert "listen: http://127.0.0.1" in listening.stderr.readline()
        threading.Thread(target=lambda: said.extend(listening.stderr or ()), daemon=True).start()
        _, verified = province.run("verify", subscription_id)
        assert verified["subscription"]["state"] == "verified"

        pushed = city.push([entry(n) for n in (1, 2, 3)], datetime.now(UTC))
        assert pushed.status == 200, pushed.body
        assert stack.pump is not None
        stack.pump.drain()  # the stream holds all three records: one stream batch, one file
        wait_for(lambda: len(stored_ids(store)) == 3)

        wait_for(lambda: any(": 3 deliveries" in line for line in said))  # one file of three
        status, said = _verify_log(store, subscription_id, stack, tmp_path, capsys)
        assert status == 0, said
        assert "OK: nothing dropped, reordered or altered" in said
        assert "; 3 re-verified against the signature kept with them" in said  # the file kept
    finally:
        listening.terminate()
        listening.wait(timeout=10)


def _verify_log(
    store: Path, subscription_id: str, stack: LocalStack, where: Path, capsys: Any
) -> tuple[int, str]:
    capsys.readouterr()
    status = cli.main(
        [
            *("verify-log", "--deliveries", str(store)),
            *("--subscription", subscription_id, "--region", PROVINCE, "--url", stack.url),
            *("--key-id", "hn-1", "--key-file", str(where / "hn.key")),
        ]
    )
    return status, str(capsys.readouterr().out)
