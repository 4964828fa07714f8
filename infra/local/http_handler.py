"""The local stack's HTTP handler (``infra.local.stack`` serves the app with it)."""

from __future__ import annotations

import threading
from email import errors as email_errors
from typing import Any

from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalGatewayException

from chalicelib.http_errors import API_HEADERS, error_response
from gateway_client.contract import NotFound
from infra.local.http_framing import READ_TIMEOUT_SECONDS, FramingError, error_body, read_body

# The parser's defects of a header line (it reads the block as an email's, so a Content-Type of
# multipart or message adds defects and a payload of its own, which are no fault of the lines).
_HEADER_FAULTS = (
    email_errors.MissingHeaderBodySeparatorDefect,
    email_errors.FirstHeaderLineIsContinuationDefect,
    email_errors.InvalidHeaderDefect,
)


class LocalHandler(ChaliceRequestHandler):
    """Chalice's local handler, answering as the deployed API does: the request framed as API
    Gateway frames it (``http_framing``), a path no route serves 404 in the error shape, and
    each write waking the event pump."""

    # Without TCP_NODELAY, Nagle and the client's delayed ACK add ~40 ms to each kept-alive reply.
    disable_nagle_algorithm = True
    timeout = READ_TIMEOUT_SECONDS  # a client that stops sending is answered, not waited for

    def __init__(self, *args: Any, activity: threading.Event, **kwargs: Any) -> None:
        self._activity = activity  # before the base class, which handles the request in __init__
        super().__init__(*args, **kwargs)

    def _parse_payload(self) -> tuple[dict[str, Any], bytes | None]:
        """The body as API Gateway frames it (``http_framing``): chunked bodies decoded."""
        body = read_body(
            self.headers.get_all("transfer-encoding") or [],
            self.headers.get_all("content-length") or [],
            self.rfile,
        )
        framing = ("transfer-encoding", "content-length")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in framing}
        if body:
            headers["content-length"] = str(len(body))
        return headers, body or None

    def _generic_handle(self) -> None:
        try:
            super()._generic_handle()
        except FramingError as error:
            self._refuse(error.status, str(error))

    def parse_request(self) -> bool:
        """The request line and headers as API Gateway would take them, or refused: a request
        line naming no HTTP version (HTTP/0.9 has no status line to answer with), and a header
        line the parser could not read — it ends the header block there, so the headers after
        it (a length, the credentials) would be lost and the rest read as a body or as another
        request."""
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self._refuse(505, "the request line names no HTTP version: HTTP/1.1 is served")
            return False
        payload = self.headers.get_payload()  # a multipart or message type parses as such
        lost = isinstance(payload, str) and payload != ""
        if lost or any(isinstance(d, _HEADER_FAULTS) for d in self.headers.defects):
            self._refuse(400, "a header line is not name: value (RFC 9112 §5.1)")
            return False
        return True

    def _refuse(self, status: int, message: str) -> None:
        """An answer in the error shape that closes the connection (a body may be unread),
        with the headers every answer carries; a status line even where the request line was
        refused before its version was read."""
        body = error_body(status, message)
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"
        self.send_response(status)
        for name, value in {**API_HEADERS, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The server's own refusals (a method it does not know, a request line or header too
        long) in the error shape, not an HTML page."""
        self._refuse(code, message or f"{code}")

    def do_HEAD(self) -> None:
        """No route is served with HEAD or OPTIONS (API Gateway answers them with no route),
        and a HEAD answer has no body: a body would be read as the next answer."""
        self._refuse(405, f"method: {self.command} is not served")

    do_OPTIONS = do_HEAD
    do_GET = _generic_handle  # the base class bound its own before this one overrode it

    def _handle_write(self) -> None:
        """Handle the request, then wake the event pump: a write may have put records on the
        listings stream, which it then reads at once instead of at its next fallback poll."""
        self._generic_handle()
        self._activity.set()

    do_PUT = do_POST = do_DELETE = do_PATCH = _handle_write

    def _send_error_response(self, error: LocalGatewayException) -> None:
        """A path no route matches: 404 ``not_found`` in the gateway's error shape, as the
        deployed API answers it (``infra.gateway_responses``), not Chalice's 403."""
        unmatched = error.headers.get("x-amzn-ErrorType") == "UnauthorizedException"
        if not isinstance(error, ForbiddenError) or not unmatched:
            super()._send_error_response(error)
            return
        found = NotFound("path: no route is served at this path", path="path")
        reply = error_response(found).to_dict()
        self._send_http_response(404, reply["headers"], reply["body"])

    def log_message(self, format: str, *args: Any) -> None:
        return
