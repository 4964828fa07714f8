"""A peer that trickles its answer a byte at a time never trips a socket timeout (each receive
brings a byte in time), so a batch file or a key list read that way held `gateway listen`'s
handler for as long as the peer liked — its body (review 336), then its headers (review 345).
The timeout now bounds the whole exchange; an answer cut short of its length is no answer."""

from __future__ import annotations

import argparse
import functools
import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import gateway_client.cli.subscriber as subscriber
from gateway_client.batch_receiver import FileUnavailable, fetch_file
from gateway_client.delivery_store import DeliveryStore
from gateway_client.push_client import http_request
from gateway_client.receiver import Audience

BODY = b'{"keys": []}' + b" " * 88
PAUSE = 0.05  # between bytes: far inside the socket timeout, 5 s for the whole


def serving_once(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """The URL of a server that answers one request with ``answer``."""
    link = socket.socket()
    link.bind(("127.0.0.1", 0))
    link.listen(1)

    def once() -> None:
        connection, _ = link.accept()
        with connection:
            connection.recv(65536)
            try:
                answer(connection)
            except OSError:  # the reader gave up, as it should
                return

    thread = threading.Thread(target=once, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{link.getsockname()[1]}/file"
    link.close()
    thread.join(10)


def trickle(connection: socket.socket, data: bytes) -> None:
    for byte in data:
        connection.sendall(bytes([byte]))
        time.sleep(PAUSE)


@pytest.fixture
def trickled_body() -> Iterator[str]:
    def answer(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY))
        trickle(connection, BODY)

    yield from serving_once(answer)


@pytest.fixture
def trickled_headers() -> Iterator[str]:
    def answer(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Pad: ")
        trickle(connection, b"a" * 100)
        connection.sendall(b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY))
        connection.sendall(BODY)

    yield from serving_once(answer)


@pytest.fixture
def cut_short() -> Iterator[str]:
    def answer(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY))
        connection.sendall(BODY[:40])

    yield from serving_once(answer)


@pytest.mark.parametrize("peer", ["trickled_body", "trickled_headers"])
def test_a_batch_file_trickled_past_the_timeout_is_unavailable(
    peer: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(FileUnavailable, match="no whole answer within"):
        fetch_file(request.getfixturevalue(peer), len(BODY), timeout=0.5)


@pytest.mark.parametrize("peer", ["trickled_body", "trickled_headers"])
def test_an_answer_trickled_past_the_timeout_is_a_timeout(
    peer: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(TimeoutError, match="no whole answer within"):
        http_request("GET", request.getfixturevalue(peer), timeout=0.5)


def test_an_answer_cut_short_of_its_length_is_no_answer(cut_short: str) -> None:
    """Not the part that came, as if it were the gateway's whole answer (review 345)."""
    with pytest.raises(http.client.IncompleteRead):
        http_request("GET", cut_short, timeout=5)


def test_listen_gives_a_batch_file_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--timeout`` reaches the batch file as it does the key list (review 345: the file had
    fetch_file's default, so a slow honest link could never store a batch)."""
    built: list[Any] = []
    monkeypatch.setattr(subscriber, "serve_until_stopped", lambda run, *_: built.append(run))
    args = argparse.Namespace(
        url="http://127.0.0.1:1",
        timeout=120.0,
        algorithm="ed25519",
        host="127.0.0.1",
        port=0,
        subscription="sub_x",
        region="430000",
        store=str(tmp_path / "store.ndjson"),
    )
    audience = Audience("sub_x", "430000", (), None, 300)

    subscriber._serve(args, audience, DeliveryStore(tmp_path / "store.ndjson"))

    [run] = built
    fetch = run.args[0]._fetch_file
    assert isinstance(fetch, functools.partial)
    assert (fetch.func, fetch.keywords) == (fetch_file, {"timeout": 120.0})


@pytest.fixture
def worked_then_streamed() -> Iterator[str]:
    """Headers after a second's work, then a 1 MB body streamed steadily over a second: an
    honest large answer (review 347)."""
    body = b'{"pad": "' + b"x" * (1 << 20) + b'"}'

    def answer(connection: socket.socket) -> None:
        time.sleep(1.0)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for start in range(0, len(body), len(body) // 20):
            connection.sendall(body[start : start + len(body) // 20])
            time.sleep(0.05)

    yield from serving_once(answer)


def test_an_answer_whose_headers_come_in_time_has_time_for_its_body(
    worked_then_streamed: str,
) -> None:
    """The timeout bounds the wait for the headers (the gateway's work); the body then has
    what its length takes on a slow link."""
    reply = http_request("GET", worked_then_streamed, timeout=1.5)

    assert reply.status == 200
    assert len(reply.body["pad"]) == 1 << 20
