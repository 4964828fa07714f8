"""A peer that trickles its answer a byte at a time never trips a socket timeout (each receive
brings a byte in time), so a batch file or a key list read that way held `gateway listen`'s
handler for as long as the peer liked. The timeout now bounds the whole body."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from gateway_client.batch_receiver import FileUnavailable, fetch_file
from gateway_client.push_client import http_request

BODY = b'{"keys": []}' + b" " * 88
PAUSE = 0.05  # between bytes: far inside the socket timeout, 5 s for the whole body


@pytest.fixture
def trickling() -> Iterator[str]:
    """The URL of a server that answers 200 with BODY, one byte every PAUSE seconds."""
    link = socket.socket()
    link.bind(("127.0.0.1", 0))
    link.listen(1)

    def answer_once() -> None:
        connection, _ = link.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(BODY)
            )
            for byte in BODY:
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # the reader gave up, as it should
                    return
                time.sleep(PAUSE)

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{link.getsockname()[1]}/file"
    link.close()
    thread.join(10)


def test_a_batch_file_trickled_past_the_timeout_is_unavailable(trickling: str) -> None:
    with pytest.raises(FileUnavailable, match="took over"):
        fetch_file(trickling, len(BODY), timeout=0.5)


def test_an_answer_trickled_past_the_timeout_is_a_timeout(trickling: str) -> None:
    with pytest.raises(TimeoutError, match="took over"):
        http_request("GET", trickling, timeout=0.5)
