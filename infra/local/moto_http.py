"""Kept-alive connections to the local moto server.

Werkzeug's development server, which moto serves with, ends every response with
``Connection: close``: it cannot tell where an unread request body ends, so it never reads a
second request from a connection. Every AWS request of the local stack then paid a TCP connect,
a new server thread and a close (a push reaching its webhook makes about thirty requests).

Here a request that announces its length (``Content-Length``, no ``Transfer-Encoding``) has its
body read whole before moto sees it, so the next request line is exactly where the connection
stands, and the connection stays open for the client's next request (``Connection: close`` is
left out; HTTP/1.1 keeps connections by default). A chunked request, an HTTP/1.0 one or one that
asks to close still closes, as before. Replies go out without Nagle's delay: a kept-alive reply
written as headers then body would otherwise wait for the client's delayed ACK (~40 ms), as
``infra.local.stack`` notes for the app's own server. Nothing moto answers changes.
"""

from __future__ import annotations

import io
import selectors
import threading
from types import SimpleNamespace
from typing import Any

from moto.moto_server import werkzeug_app
from werkzeug import serving

_CLOSE = ("connection", "close")
_kept = threading.local()  # whether the request this thread serves keeps its connection


class _NothingLeft:
    """The selector werkzeug drains a request's unread bytes with, after the reply, for a kept
    connection: its body was read whole, and what waits there is the client's next request."""

    def register(self, *_: Any) -> None:
        return

    def select(self, timeout: float | None = None) -> list[Any]:
        return []

    def close(self) -> None:
        return


def _selector() -> Any:
    return _NothingLeft() if getattr(_kept, "alive", False) else selectors.DefaultSelector()


def install() -> None:
    handler: Any = werkzeug_app.MotoRequestHandler
    if getattr(handler, "keeps_alive", False):
        return
    make_environ, send_header = handler.make_environ, handler.send_header

    def read_whole_body(self: Any) -> dict[str, Any]:
        environ: dict[str, Any] = make_environ(self)
        self.keep_alive = (
            self.request_version == "HTTP/1.1"
            and "HTTP_TRANSFER_ENCODING" not in environ
            and "close" not in environ.get("HTTP_CONNECTION", "").lower()
        )
        _kept.alive = self.keep_alive
        if self.keep_alive:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length else b"")
        return environ

    def keep_connection(self: Any, keyword: str, value: str) -> None:
        if (keyword.lower(), value.lower()) == _CLOSE and getattr(self, "keep_alive", False):
            return  # http.server closes after the reply when this header is sent
        send_header(self, keyword, value)

    serving.selectors = SimpleNamespace(  # type: ignore[assignment,attr-defined]
        DefaultSelector=_selector, EVENT_READ=selectors.EVENT_READ
    )
    handler.make_environ = read_whole_body
    handler.send_header = keep_connection
    handler.disable_nagle_algorithm = True
    handler.keeps_alive = True
