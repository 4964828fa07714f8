"""`gateway listen` and batched delivery: a ``deliveries.batch`` webhook is verified, its file
fetched by the link and proven (digest, size, count, audience, order), and each line stored as
its single delivery would be — over HTTP too; a tampered, truncated or reordered file, a batch
for someone else and a stale webhook are refused with nothing stored."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from batch_support import GATEWAY, HUNAN, BatchGateway, batched, changes, numbered
from builders import NOW

from gateway.delivery import Delivery
from gateway.delivery.batching import file_of
from gateway_client.batch_receiver import FileUnavailable
from gateway_client.contract import load_public_key, public_key_text
from gateway_client.delivery_store import DeliveryStore
from gateway_client.kept_proofs import signatures_path
from gateway_client.listener import Listener, serve
from gateway_client.receiver import Audience
from gateway_client.subscriber_files import read_deliveries

GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


def listener(
    store: Path, files: dict[str, bytes], at: float | None = None
) -> tuple[Listener, list[str]]:
    """A listener for 湖南's subscription that fetches files from ``files`` (by link)."""
    said: list[str] = []

    def fetch(url: str, size: int) -> bytes:
        key = url.split("?")[0].removeprefix("https://archive.example.cn/")
        if key not in files:
            raise FileUnavailable("GET of the batch file answered 404")
        return files[key]

    moment = NOW.timestamp() if at is None else at
    audience = Audience("sub-hunan", HUNAN)
    made = Listener(
        audience, DeliveryStore(store), lambda: [GATEWAY_KEY], said.append, lambda: moment, fetch
    )
    return made, said


def sent(gateway: BatchGateway, lines: list[Delivery], body: bytes | None = None) -> Any:
    """The webhook for a file of ``lines`` (or of ``body``), and the files as the bucket holds."""
    batch = gateway.batch_of(lines, body)
    held = dict(gateway.files.files)
    headers, webhook = gateway.announce(batch)
    return headers, webhook, held


def test_each_line_of_the_file_is_stored_as_its_single_delivery_would_be(tmp_path: Path) -> None:
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target])
    headers, body, files = sent(gateway, planned)
    listening, said = listener(tmp_path / "d.ndjson", files)

    status, _ = listening.handle(headers, body)

    assert status == 204
    stored = read_deliveries(tmp_path / "d.ndjson")
    assert [d.delivery_id for d in stored] == [d.delivery_id for d in planned]
    assert (tmp_path / "d.ndjson").read_bytes() == file_of(planned, HUNAN)  # byte for byte
    assert said[-1].startswith("batch bat_test: 3 deliveries")


def test_a_batch_sent_again_stores_nothing_twice_nor_fetches_or_keeps_it_again(
    tmp_path: Path,
) -> None:
    """A retry whose 2xx was lost, or a replay of the captured webhook (review 161: each one
    fetched the file again and kept one more copy of its proof)."""
    gateway = BatchGateway()
    planned = numbered(changes(2), [gateway.target])
    headers, body, files = sent(gateway, planned)
    listening, said = listener(tmp_path / "d.ndjson", files)
    fetched: list[str] = []
    fetch = listening._fetch_file
    listening._fetch_file = lambda url, size: fetched.append(url) or fetch(url, size)
    listening.handle(headers, body)
    kept = signatures_path(tmp_path / "d.ndjson").read_bytes()

    replies = [listening.handle(headers, body)[0] for _ in range(3)]

    assert replies == [204] * 3
    assert len(read_deliveries(tmp_path / "d.ndjson")) == 2
    assert signatures_path(tmp_path / "d.ndjson").read_bytes() == kept
    assert len(fetched) == 1
    assert sum(line.endswith(": already stored") for line in said) == 3


def test_a_batch_kept_before_its_lines_were_stored_is_taken_again(tmp_path: Path) -> None:
    """A crash between keeping the file and storing its lines: the announcement sent again
    stores them (the kept file alone is no proof they were)."""
    gateway = BatchGateway()
    planned = numbered(changes(2), [gateway.target])
    headers, body, files = sent(gateway, planned)
    listening, _ = listener(tmp_path / "d.ndjson", files)
    stored = listening.store.add
    listening.store.add = lambda *args: (_ for _ in ()).throw(OSError("disk full"))  # type: ignore[method-assign]
    assert listening.handle(headers, body)[0] == 503
    listening.store.add = stored  # type: ignore[method-assign]

    assert listening.handle(headers, body)[0] == 204
    assert len(read_deliveries(tmp_path / "d.ndjson")) == 2


def test_a_single_delivery_after_a_batch_of_the_same_change_is_deduplicated(
    tmp_path: Path,
) -> None:
    gateway = BatchGateway()
    planned = numbered(changes(2), [gateway.target])
    headers, body, files = sent(gateway, planned)
    listening, _ = listener(tmp_path / "d.ndjson", files)
    listening.handle(headers, body)
    single = gateway.service.signed_request(planned[0], gateway.target, NOW)

    status, _ = listening.handle(*single)  # e.g. a re-drive of a line, sent singly

    assert status == 204
    assert len(read_deliveries(tmp_path / "d.ndjson")) == 2


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        (lambda body: body.replace(b'"sequence": 1', b'"sequence": 7', 1), "SHA-256"),
        (lambda body: body[: body.index(b"\n") + 1], "SHA-256"),  # truncated to one line
        (lambda body: body + b"\n", "SHA-256"),
    ],
)
def test_a_file_altered_or_cut_short_after_signing_is_refused(
    tmp_path: Path, tamper: Any, why: str
) -> None:
    gateway = BatchGateway()
    planned = numbered(changes(2), [gateway.target])
    headers, body, files = sent(gateway, planned)
    [key] = files
    altered = tamper(files[key])
    assert altered != files[key]
    files[key] = altered
    listening, said = listener(tmp_path / "d.ndjson", files)

    status, reply = listening.handle(headers, body)

    assert status == 401
    assert why in reply.decode()
    assert read_deliveries(tmp_path / "d.ndjson") == []
    assert said[-1].startswith("refused:")


def test_a_reordered_file_is_refused_even_when_the_gateway_signed_its_digest(
    tmp_path: Path,
) -> None:
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target])
    reordered = file_of([planned[1], planned[0], planned[2]], HUNAN)
    headers, body, files = sent(gateway, planned, reordered)
    listening, _ = listener(tmp_path / "d.ndjson", files)

    status, reply = listening.handle(headers, body)

    assert (status, reply) == (401, b"line 2 of the batch is out of order (sequence 1)")
    assert read_deliveries(tmp_path / "d.ndjson") == []


def test_a_line_addressed_to_another_subscription_is_refused(tmp_path: Path) -> None:
    gateway = BatchGateway()
    stranger = numbered(changes(1, first=9), [batched("sub-hubei", "420000")])
    planned = numbered(changes(2), [gateway.target])
    mixed = file_of(planned[:1], HUNAN) + file_of(stranger, "420000")
    mixed_lines = [planned[0], stranger[0].model_copy(update={"sequence": 2})]
    headers, body, files = sent(gateway, mixed_lines, mixed)
    listening, _ = listener(tmp_path / "d.ndjson", files)

    status, reply = listening.handle(headers, body)

    assert status == 401
    assert b"line 2 of the batch is addressed to sub-hubei" in reply


def test_a_batch_for_another_subscription_is_refused_before_its_file_is_fetched(
    tmp_path: Path,
) -> None:
    gateway = BatchGateway(target=batched("sub-hubei", "420000"))
    headers, body, _ = sent(gateway, numbered(changes(2), [gateway.target]))
    listening, _ = listener(tmp_path / "d.ndjson", {})

    status, reply = listening.handle(headers, body)

    assert status == 401
    assert b"addressed to subscription sub-hubei" in reply


def test_a_stale_batch_webhook_is_refused(tmp_path: Path) -> None:
    gateway = BatchGateway()
    headers, body, files = sent(gateway, numbered(changes(2), [gateway.target]))
    listening, _ = listener(tmp_path / "d.ndjson", files, at=NOW.timestamp() + 3600)

    status, reply = listening.handle(headers, body)

    assert status == 401
    assert b"timestamp" in reply
    assert read_deliveries(tmp_path / "d.ndjson") == []


def test_a_file_that_cannot_be_fetched_is_not_acknowledged_so_the_gateway_sends_again(
    tmp_path: Path,
) -> None:
    gateway = BatchGateway()
    headers, body, _ = sent(gateway, numbered(changes(2), [gateway.target]))
    listening, said = listener(tmp_path / "d.ndjson", {})

    status, reply = listening.handle(headers, body)

    assert (status, reply) == (503, b"the batch file could not be fetched")
    assert "404" in said[-1]


# -- over HTTP: the listener serving, the file behind a presigned-like link --


def fetching(store: Path) -> tuple[Listener, list[str]]:
    """A listener for 湖南's subscription that fetches files by their link, over HTTP."""
    said: list[str] = []
    audience = Audience("sub-hunan", HUNAN)
    made = Listener(
        audience, DeliveryStore(store), lambda: [GATEWAY_KEY], said.append, lambda: NOW.timestamp()
    )
    return made, said


@pytest.fixture
def bucket() -> Iterator[tuple[dict[str, bytes], str]]:
    """An HTTP server that serves ``files`` by path, like a presigned GET."""
    files: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = files.get(self.path.split("?")[0].lstrip("/"))
            self.send_response(200 if found is not None else 404)
            self.send_header("content-length", str(len(found or b"")))
            self.end_headers()
            self.wfile.write(found or b"")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield files, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_listen_over_http_fetches_the_file_by_its_link_and_stores_every_line(
    tmp_path: Path, bucket: tuple[dict[str, bytes], str]
) -> None:
    files, base = bucket
    gateway = BatchGateway()
    gateway.files.base = base
    planned = numbered(changes(3), [gateway.target])
    batch = gateway.batch_of(planned)
    files.update(gateway.files.files)
    headers, body = gateway.announce(batch)
    made, _ = fetching(tmp_path / "d.ndjson")
    server = serve(made, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
        connection.request("POST", "/hook", body, headers)
        status = connection.getresponse().status
    finally:
        server.shutdown()
        server.server_close()

    assert status == 204
    assert [d.delivery_id for d in read_deliveries(tmp_path / "d.ndjson")] == [
        d.delivery_id for d in planned
    ]


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz-no-chunk-size\r\n",
        b"no status line at all\r\n\r\n",
    ],
    ids=["chunk-broken-off", "no-status-line"],
)
def test_a_file_whose_answer_breaks_off_is_a_503_with_nothing_stored(
    tmp_path: Path, answer: bytes
) -> None:
    """http.client's IncompleteRead and BadStatusLine are no OSError: they are still a file not
    fetched, as a lapsed link is, and the gateway sends the webhook again with a fresh link."""
    with socket.socket() as broken:
        broken.bind(("127.0.0.1", 0))
        broken.listen(1)

        def answer_once() -> None:
            connection, _ = broken.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(answer)

        thread = threading.Thread(target=answer_once, daemon=True)
        thread.start()
        gateway = BatchGateway()
        gateway.files.base = f"http://127.0.0.1:{broken.getsockname()[1]}/"
        headers, body = gateway.announce(gateway.batch_of(numbered(changes(2), [gateway.target])))
        made, said = fetching(tmp_path / "d.ndjson")

        status, reply = made.handle(headers, body)
        thread.join(5)

    assert (status, reply) == (503, b"the batch file could not be fetched")
    assert said[-1].startswith("batch bat_test not stored: the batch file could not be fetched")
    assert read_deliveries(tmp_path / "d.ndjson") == []
