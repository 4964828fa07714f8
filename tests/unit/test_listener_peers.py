"""The listener's HTTP server against hostile or broken peers (review 46g): a connection that
stops sending is closed, connections held open cannot take every thread, an absurd
``Content-Length`` is answered 413, not a traceback; and a batch file's link is not followed
elsewhere. A witness's server holds against the same peers (review 298)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from proof_support import listening

from gateway_client import listener as module
from gateway_client import witness_server
from gateway_client.batch_receiver import FileUnavailable, fetch_file
from gateway_client.delivery_store import serving
from gateway_client.listener import serve
from gateway_client.subscriber_files import LocalFileError
from gateway_client.tlog import CosignatureSigner, NoteSigner, NoteVerifier
from gateway_client.witness_server import WitnessService, WitnessState

STALLED = b"POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n{"


def _witnessing(tmp_path: Path) -> ThreadingHTTPServer:
    log = NoteSigner("credit.example.gov.cn/exchange-log", Ed25519PrivateKey.generate())
    signer = CosignatureSigner("witness.hunan.example.cn", Ed25519PrivateKey.generate())
    state = WitnessState(tmp_path / "witness.json")
    service = WitnessService(signer, NoteVerifier.from_vkey(log.vkey), state, lambda _: None)
    return witness_server.serve(service, "127.0.0.1", 0)


@pytest.fixture(params=["listener", "witness"])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ThreadingHTTPServer]:
    for limits in (module, witness_server):
        monkeypatch.setattr(limits, "READ_TIMEOUT_SECONDS", 0.5)
        monkeypatch.setattr(limits, "MAX_CONNECTIONS", 2)
        monkeypatch.setattr(limits, "REQUEST_SECONDS", 1.0)
    if request.param == "witness":
        running = _witnessing(tmp_path)
    else:
        running = serve(listening(tmp_path / "d.ndjson"), "127.0.0.1", 0)
    threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.05}).start()
    yield running
    running.shutdown()
    running.server_close()


def _connect(server: ThreadingHTTPServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5)


def test_a_connection_that_stops_sending_is_closed(server: ThreadingHTTPServer) -> None:
    with _connect(server) as stalled:
        stalled.sendall(STALLED)
        assert stalled.recv(100) == b""  # closed by the server after its read timeout


def test_a_connection_that_trickles_is_cut_off_all_the_same(server: ThreadingHTTPServer) -> None:
    """A byte now and then resets a read timeout: the request's own time limit is what ends it
    (review 46h: 64 trickling peers held every slot)."""
    with _connect(server) as trickling:
        trickling.sendall(STALLED)
        started = time.monotonic()
        closed = False
        while not closed and time.monotonic() - started < 5:
            try:
                trickling.sendall(b"x")
            except OSError:
                closed = True
                break
            trickling.settimeout(0.2)
            with contextlib.suppress(TimeoutError):
                closed = trickling.recv(100) == b""
        assert closed
        assert time.monotonic() - started < 3


def test_connections_past_the_limit_are_closed_at_once(server: ThreadingHTTPServer) -> None:
    held = [_connect(server) for _ in range(2)]
    try:
        for connection in held:
            connection.sendall(STALLED)
        with _connect(server) as extra:
            extra.settimeout(0.3)  # closed now, not after the read timeout
            assert extra.recv(100) == b""
    finally:
        for connection in held:
            connection.close()


def test_a_content_length_of_thousands_of_digits_is_413(server: ThreadingHTTPServer) -> None:
    with _connect(server) as peer:
        peer.sendall(
            b"POST /add-checkpoint HTTP/1.1\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n"
        )
        assert peer.recv(100).startswith(b"HTTP/1.0 413")


def test_a_batch_files_link_that_redirects_is_not_followed() -> None:
    """A presigned link is the object: a redirect (to another host, the metadata address) is
    refused as an error, and the place it points to is never asked (review 46g)."""
    asked: list[str] = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(302)
            self.send_header("location", "/latest/meta-data/")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    bucket = HTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=bucket.serve_forever, kwargs={"poll_interval": 0.05}).start()
    try:
        with pytest.raises(FileUnavailable, match="302"):
            fetch_file(f"http://127.0.0.1:{bucket.server_address[1]}/batches/f.ndjson", 10)
    finally:
        bucket.shutdown()
        bucket.server_close()
    assert asked == ["/batches/f.ndjson"]


def test_one_listener_serves_a_store_at_a_time(tmp_path: Path) -> None:
    """A second listener would work from a stale copy of what is stored and purged: it is
    refused while the first serves, and may serve once that one stopped (review 46g)."""
    store = tmp_path / "deliveries.ndjson"
    with serving(store), pytest.raises(LocalFileError, match="another gateway listen"):  # noqa: SIM117
        with serving(store):
            pass
    with serving(store):
        pass
    linked = tmp_path / "linked.ndjson"
    linked.symlink_to(store)
    with serving(store), pytest.raises(LocalFileError):  # noqa: SIM117
        with serving(linked):  # the same store by another name (review 46h)
            pass
