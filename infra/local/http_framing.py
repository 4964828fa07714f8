"""What the local server reads of a request before the app sees it, as API Gateway would.

Chalice's local handler reads ``Content-Length`` bytes and nothing else: a chunked body (what
``http.client``, urllib and Node send for a streamed body) reached the app empty, so an action
ran with its defaults; a ``Content-Length`` that is not a number closed the connection with no
answer, one longer than the body held a thread for ever, and a method the server does not know
got an HTML page. API Gateway takes chunked bodies, refuses more than its 10 MB quota, and
answers in the gateway's error shape (``infra.gateway_responses``); so does this, before the app
is called, and a request refused here is closed (its body may be unread).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import BinaryIO

MAX_REQUEST_BYTES = 10 * 1024 * 1024
"""API Gateway's payload quota: a larger body is refused unread."""

READ_TIMEOUT_SECONDS = 30.0
"""How long a request may keep the server waiting for its next bytes (API Gateway's own
integration timeout is 29 s)."""

_ANSWERS = {  # status: (code, path) of the error a framing fault answers with
    400: ("bad_request", "request"),
    405: ("method_not_allowed", "method"),
    408: ("request_timeout", "body"),
    411: ("length_required", "content-length"),
    413: ("payload_too_large", "body"),
    414: ("uri_too_long", "path"),
    431: ("headers_too_large", "headers"),
    501: ("method_not_implemented", "method"),
    505: ("http_version_not_supported", "request"),
}


class FramingError(Exception):
    """A request whose body cannot be read as framed: answered with ``status``, not handled."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error_body(status: int, message: str) -> bytes:
    """The gateway's error shape for a fault of the request's framing."""
    code, path = _ANSWERS.get(status, ("bad_request", "request"))
    return json.dumps({"error": {"code": code, "message": message, "path": path}}).encode()


def read_body(
    transfer_encodings: Sequence[str], content_lengths: Sequence[str], rfile: BinaryIO
) -> bytes:
    """The request's body: a chunked one decoded, else ``Content-Length`` bytes. Each header
    is given with every value it came with: lengths that differ, or a length beside a transfer
    coding, are a framing error (RFC 9112 §6.3), never one of them picked.

    Raises
    ------
    FramingError
        400 for a malformed, conflicting or doubled framing, 411 for a transfer coding other
        than chunked, 413 past ``MAX_REQUEST_BYTES``, 408 when the client stops sending.
    """
    if content_lengths and transfer_encodings:
        raise FramingError(400, "content-length and transfer-encoding together")
    if len({value.strip() for value in content_lengths}) > 1:
        raise FramingError(400, "content-length given more than once, with different values")
    transfer_encoding = ", ".join(transfer_encodings) if transfer_encodings else None
    content_length = content_lengths[0] if content_lengths else None
    try:
        if transfer_encoding is not None:
            if transfer_encoding.strip().lower() != "chunked":
                raise FramingError(411, f"transfer-encoding {transfer_encoding!r} is not read")
            return _chunked(rfile)
        return _sized(content_length, rfile)
    except TimeoutError as error:
        raise FramingError(408, "the body did not arrive in time") from error


def _sized(content_length: str | None, rfile: BinaryIO) -> bytes:
    if content_length is None:
        return b""
    text = content_length.strip()
    if not text.isdigit() or not text.isascii():
        raise FramingError(400, f"content-length {content_length[:40]!r} is not a byte count")
    size = int(text)
    if size > MAX_REQUEST_BYTES:
        raise FramingError(413, f"the body is over {MAX_REQUEST_BYTES} bytes")
    body = rfile.read(size)
    if len(body) < size:
        raise FramingError(400, "the body ended before its content-length")
    return body


_HEXDIG = re.compile(rb"[0-9A-Fa-f]{1,16}")


def _chunked(rfile: BinaryIO) -> bytes:
    """RFC 9112 §7.1: size lines (extensions ignored), data, a zero size, trailers."""
    body = bytearray()
    while True:
        line = rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise FramingError(400, "a chunk's size line is too long, or cut short")
        size_text = line.split(b";", 1)[0].strip()
        if not _HEXDIG.fullmatch(size_text):  # int() would take 0x, +, _ and -
            raise FramingError(400, "a chunk's size is not hexadecimal")
        size = int(size_text, 16)
        if len(body) + size > MAX_REQUEST_BYTES:
            raise FramingError(413, f"the body is over {MAX_REQUEST_BYTES} bytes")
        if size == 0:
            break
        chunk = rfile.read(size)
        if len(chunk) < size or rfile.readline(3) not in (b"\r\n", b"\n"):
            raise FramingError(400, "a chunk ended before its size, or without its line end")
        body += chunk
    for _ in range(100):  # trailer fields, up to the empty line
        if rfile.readline(8192) in (b"\r\n", b"\n", b""):
            return bytes(body)
    raise FramingError(400, "too many trailer fields")
