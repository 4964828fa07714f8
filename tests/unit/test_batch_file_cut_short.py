"""Review 336: a presigned GET whose answer breaks off before its Content-Length is a file not
fetched (503, the retry brings a fresh link), not a file "altered or truncated" after signing
(401): http.client's read(amt) returns the short body without raising IncompleteRead."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from batch_support import GATEWAY, HUNAN, BatchGateway, changes, numbered
from builders import NOW

from gateway_client.contract import load_public_key, public_key_text
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.receiver import Audience
from gateway_client.subscriber_files import read_deliveries

KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


def test_a_file_cut_short_in_transit_is_503_not_refused_as_altered(tmp_path: Path) -> None:
    gateway = BatchGateway()
    lines = numbered(changes(3), [gateway.target])
    with socket.socket() as bucket:
        bucket.bind(("127.0.0.1", 0))
        bucket.listen(1)
        gateway.files.base = f"http://127.0.0.1:{bucket.getsockname()[1]}/"
        batch = gateway.batch_of(lines)
        file = next(iter(gateway.files.files.values()))
        headers, body = gateway.announce(batch)

        def answer_half() -> None:
            connection, _ = bucket.accept()
            with connection:
                connection.recv(65536)
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(file)}\r\n\r\n".encode()
                connection.sendall(head + file[: len(file) // 2])  # then the connection drops

        thread = threading.Thread(target=answer_half, daemon=True)
        thread.start()
        said: list[str] = []
        listening = Listener(
            Audience("sub-hunan", HUNAN),
            DeliveryStore(tmp_path / "d.ndjson"),
            lambda: [KEY],
            said.append,
            lambda: NOW.timestamp(),
        )
        status, reply = listening.handle(headers, body)
        thread.join(5)

    assert read_deliveries(tmp_path / "d.ndjson") == []
    assert (status, reply) == (503, b"the batch file could not be fetched"), said
