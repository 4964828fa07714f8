"""The local server reads a request as API Gateway does (``infra.local.http_framing``): a
chunked body reaches the route whole, and a request it cannot frame — a length that is no
number, a body that stops short, a coding other than chunked, a body past the quota, a method
no route has — is answered in the error shape, with nothing done, never with HTML, silence or a
wait without end."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_support import as_operator

from infra.local.http_handler import LocalHandler
from infra.local.stack import LocalStack

REGION = "/v1/regions/430000"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        assert as_operator(running, "PUT", REGION, {"name": "湖南省"}).status == 200
        yield running


def exchange(
    stack: LocalStack, raw: bytes, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` as is on a new connection; the status, headers and body of the answer."""
    where = urlsplit(stack.url)
    with socket.create_connection((where.hostname, where.port), timeout=timeout) as conn:
        conn.sendall(raw)
        received = b""
        while b"\r\n\r\n" not in received:
            received += conn.recv(65536)
        head, _, rest = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length and not raw.startswith(b"HEAD"):
            more = conn.recv(65536)
            if not more:
                break
            rest += more
        return int(lines[0].split()[1]), headers, rest[:length]


def request(
    stack: LocalStack, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += f"authorization: Bearer {stack.operator_token}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


def chunked(data: bytes, size: int = 7) -> bytes:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


RENAMED = json.dumps({"name": "改了名的湖南省"}).encode()


def error_of(body: bytes) -> tuple[str, str]:
    error: dict[str, Any] = json.loads(body)["error"]
    return error["code"], error["path"]


def name_of(stack: LocalStack) -> str:
    [region] = [
        x for x in as_operator(stack, "GET", "/v1/regions").body["regions"] if x["code"] == "430000"
    ]
    return str(region["name"])


def test_a_chunked_body_reaches_the_route_whole(stack: LocalStack) -> None:
    body = json.dumps({"name": "湖南省（分块）"}, ensure_ascii=False).encode()
    raw = request(
        stack,
        "PUT",
        REGION,
        {"content-type": "application/json", "transfer-encoding": "chunked"},
        chunked(body),
    )

    status, _, answer = exchange(stack, raw)

    assert status == 200, answer
    assert name_of(stack) == "湖南省（分块）"


def test_a_chunked_body_that_is_no_json_is_refused_as_any_other(stack: LocalStack) -> None:
    before = name_of(stack)
    raw = request(stack, "PUT", REGION, {"transfer-encoding": "chunked"}, chunked(b"{not json"))

    status, _, answer = exchange(stack, raw)

    assert (status, error_of(answer)[0]) == (400, "malformed_json")
    assert name_of(stack) == before


@pytest.mark.parametrize(
    ("headers", "body", "status", "code", "path"),
    [
        ({"content-length": "abc"}, b"{}", 400, "bad_request", "request"),
        ({"transfer-encoding": "gzip"}, b"{}", 411, "length_required", "content-length"),
        ({"transfer-encoding": "chunked"}, b"zz\r\n{}\r\n0\r\n\r\n", 400, "bad_request", "request"),
        # review 107 F6: sizes Python's int() takes but HTTP does not (0x, +, _, -)
        (
            {"transfer-encoding": "chunked"},
            b"0x2\r\n{}\r\n0\r\n\r\n",
            400,
            "bad_request",
            "request",
        ),
        ({"transfer-encoding": "chunked"}, b"+2\r\n{}\r\n0\r\n\r\n", 400, "bad_request", "request"),
        ({"transfer-encoding": "chunked"}, b"-1\r\n{}\r\n0\r\n\r\n", 400, "bad_request", "request"),
        ({"content-length": str(11 * 1024 * 1024)}, b"{", 413, "payload_too_large", "body"),
        # review 20, F2: two lengths (RFC 9112 §6.3), or a length beside a coding: no guessing
        (
            {"content-length": str(len(RENAMED)), "Content-Length": "3"},
            RENAMED,
            400,
            "bad_request",
            "request",
        ),
        (
            {"transfer-encoding": "chunked", "content-length": str(len(RENAMED))},
            chunked(RENAMED),
            400,
            "bad_request",
            "request",
        ),
    ],
    ids=[
        "length-no-number",
        "other-coding",
        "bad-chunk-size",
        "0x-chunk-size",
        "plus-chunk-size",
        "negative-chunk-size",
        "over-the-quota-unread",
        "two-lengths",
        "length-and-coding",
    ],
)
@pytest.mark.parametrize("method", ["PUT", "GET"])
def test_a_body_that_cannot_be_framed_is_refused_and_nothing_is_done(
    stack: LocalStack,
    method: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str,
    path: str,
) -> None:
    before = name_of(stack)

    answered, got, answer = exchange(stack, request(stack, method, REGION, headers, body))

    assert (answered, error_of(answer)) == (status, (code, path))
    assert got["content-type"] == "application/json; charset=utf-8"
    assert (got["x-content-type-options"], got["referrer-policy"]) == ("nosniff", "no-referrer")
    assert name_of(stack) == before


def test_a_body_that_stops_short_is_answered_when_the_wait_ends(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LocalHandler, "timeout", 1.0)
    raw = request(stack, "PUT", REGION, {"content-length": "100"}, b'{"name": "')

    status, _, answer = exchange(stack, raw)

    assert (status, error_of(answer)) == (408, ("request_timeout", "body"))


def test_a_body_over_what_a_function_takes_is_refused_by_any_route(stack: LocalStack) -> None:
    body = b'{"name": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    raw = request(stack, "POST", "/v1/console/handoffs", {"content-length": str(len(body))}, body)

    status, _, answer = exchange(stack, raw, timeout=30)

    assert (status, error_of(answer)) == (413, ("payload_too_large", "body"))


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "BREW"])
def test_a_method_no_route_has_is_answered_in_the_error_shape(
    stack: LocalStack, method: str
) -> None:
    status, headers, answer = exchange(stack, request(stack, method, REGION, {}))

    assert status in (405, 501)
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert error_of(answer)[1] == "method"


def test_a_head_answer_has_no_body_and_the_connection_stays_readable(stack: LocalStack) -> None:
    status, headers, answer = exchange(stack, request(stack, "HEAD", REGION, {}))

    assert status == 405
    assert answer == b""
    assert headers["connection"] == "close"  # nothing more is read as this answer's body


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"GET /v1/keys HTTP/2.0\r\n\r\n", 505),
        (b"GET /v1/keys HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET /v1/keys\r\n\r\n", 505),  # HTTP/0.9: no status line to answer with
    ],
    ids=["garbage", "http-2", "extra-word", "http-0.9"],
)
def test_a_request_line_refused_is_answered_with_a_status_line(
    stack: LocalStack, raw: bytes, status: int
) -> None:
    """Refused before its version was read, it was answered with a bare JSON body, which no
    HTTP client can read; HTTP/0.9 was served so (review 107 F1, F2)."""
    answered, headers, answer = exchange(stack, raw)

    assert answered == status
    assert error_of(answer)[0] in ("bad_request", "http_version_not_supported")
    assert headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("line", ["Content-Length : 2", "X Bad: 1", "X-Bad\t: 1"])
def test_a_header_line_that_is_no_name_and_value_is_refused_and_nothing_runs(
    stack: LocalStack, line: str
) -> None:
    """The parser ended the header block at such a line: the headers after it (the length,
    the credentials) were lost, and what followed was read as another request (review 107
    F3)."""
    before = name_of(stack)
    body = json.dumps({"name": "走私"}, ensure_ascii=False).encode()
    smuggled = (
        b"PUT /v1/regions/430000 HTTP/1.1\r\nHost: x\r\n"
        + (
            f"{line}\r\nauthorization: Bearer {stack.operator_token}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
        ).encode()
        + body
    )

    answered, _, answer = exchange(stack, smuggled)

    assert (answered, error_of(answer)) == (400, ("bad_request", "request"))
    assert name_of(stack) == before


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=----abc", "multipart/form-data", "message/http"],
)
def test_a_content_type_the_header_parser_reads_as_mail_is_no_header_fault(
    stack: LocalStack, content_type: str
) -> None:
    """The standard library parses the header block as an email's: a multipart or message type
    adds defects and a payload of its own, which are no fault of the header lines (review 108):
    a request with no body is served, one with such a body is 415."""
    get = request(stack, "GET", "/v1/regions", {"content-type": content_type})
    body = b'------abc\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n------abc--\r\n'
    headers = {"content-type": content_type, "content-length": str(len(body))}

    served, _, _ = exchange(stack, get)
    refused, _, answer = exchange(stack, request(stack, "PUT", REGION, headers, body))

    assert served == 200
    assert (refused, error_of(answer)) == (415, ("unsupported_media_type", "content-type"))


def test_header_lines_clients_send_are_served(stack: LocalStack) -> None:
    """No space after the colon, empty values, a folded line, bytes past ASCII in a value, a
    header named like a mail's, many headers: all name and value, all served."""
    raw = (
        b"GET /v1/regions HTTP/1.1\r\nhOsT: 127.0.0.1\r\n"
        + f"Authorization:Bearer {stack.operator_token}\r\n".encode()
        + b"X-Empty:\r\nX-Folded: a\r\n  b\r\nFrom: ops@example.com\r\nX-Utf8: \xe4\xb8\xad\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(80))
        + b"\r\n"
    )

    status, _, _ = exchange(stack, raw)

    assert status == 200
