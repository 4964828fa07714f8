"""Review 337: fetch_file judges a Content-Length with str.isdigit(), which is true for
superscript digits ('²', one latin-1 byte 0xB2) and for numbers longer than int() converts
(4,300 digits); int() then raises ValueError, which fetch_file does not turn into
FileUnavailable: `gateway listen` answers 500 "the listener failed" for a whole, digest-proven
file (or a file to fetch again), instead of storing it (204) or 503. The listener's own server
reads its Content-Length with isascii() and a digit bound."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from batch_support import GATEWAY, HUNAN, BatchGateway, changes, numbered
from builders import NOW

from gateway_client.contract import load_public_key, public_key_text
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.receiver import Audience

KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


@pytest.mark.parametrize("length", [b"\xb2", b"9" * 5000], ids=["superscript-two", "5000-digits"])
def test_a_garbled_content_length_is_no_500(tmp_path: Path, length: bytes) -> None:
    with socket.socket() as link:
        link.bind(("127.0.0.1", 0))
        link.listen(1)
        gateway = BatchGateway()
        gateway.files.base = f"http://127.0.0.1:{link.getsockname()[1]}/"
        batch = gateway.batch_of(numbered(changes(2), [gateway.target]))
        (file,) = gateway.files.files.values()  # held before the announcement's 204 drops it
        headers, body = gateway.announce(batch)

        def answer_once() -> None:
            connection, _ = link.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: "
                    + length
                    + b"\r\n\r\n"
                    + file
                )

        thread = threading.Thread(target=answer_once, daemon=True)
        thread.start()
        said: list[str] = []
        made = Listener(
            Audience("sub-hunan", HUNAN),
            DeliveryStore(tmp_path / "d.ndjson"),
            lambda: [KEY],
            said.append,
            lambda: NOW.timestamp(),
        )
        status, _ = made.handle(headers, body)
        thread.join(5)

    assert not any("ValueError" in line for line in said), said
    assert status in (204, 503), (status, said)
