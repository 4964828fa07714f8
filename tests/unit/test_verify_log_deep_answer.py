"""A gateway answer nested too deep for Python's JSON parser (a hostile or broken gateway; the
listener already treats this as "the answer", review 84) is refused as the gateway's fault,
named by its request: verify-log ended on an "unexpected RecursionError" the CLI can only
call its own (reviews 123, 355)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_client import log_verifier
from gateway_client.cli import main as cli
from gateway_client.contract import generate_signing_key

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def deep_gateway() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(DEEP)))
            self.end_headers()
            self.wfile.write(DEEP)

        def log_message(self, *_: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_nested_too_deep_is_the_gateways_fault(  # type: ignore[no-untyped-def]
    deep_gateway, monkeypatch, tmp_path: Path, capsys
):
    # the keys read as any list would be: the log's own reads are what is probed
    monkeypatch.setattr(log_verifier, "fetch_gateway_keys", lambda *_a, **_k: [])
    (tmp_path / "d.ndjson").write_bytes(b"")
    key = tmp_path / "hn.key"
    key.write_text(generate_signing_key() + "\n")

    status = cli.main(
        [
            *("verify-log", "--deliveries", str(tmp_path / "d.ndjson"), "--region", "430000"),
            *("--subscription", "sub_1", "--url", deep_gateway),
            *("--key-id", "hn-1", "--key-file", str(key)),
        ]
    )
    err = capsys.readouterr().err

    assert status == 1
    assert "unexpected" not in err, err
    assert "GET /v1/log/checkpoints" in err, err
