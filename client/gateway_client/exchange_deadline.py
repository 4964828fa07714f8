"""One wall-clock limit for a whole HTTP exchange: connect, TLS, the status line, the headers
and the body. Socket timeouts bound each receive, so a peer trickling a byte at a time would
stretch them without end; a timer shuts the socket down when the time is up, whatever the
exchange is waiting for. Standard library only, like the rest of the client; the gateway's
webhook transport uses it too.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import Any

_CHUNK = 1 << 16
SLOWEST_LINK = 16 << 10
"""Bytes a second an answer's body is allowed, on top of the time its headers had: a large
answer on a slow link is no trickle (review 347)."""
LONGEST_BODY = 600.0  # seconds: whatever length an answer announces


class Deadline:
    """Shuts the exchange's socket down once ``seconds`` have passed, unless it ended first;
    an error the shutdown caused leaves the ``with`` block as ``TimeoutError``.

    The shutdown goes through a duplicate of the descriptor, taken when the socket is made and
    closed when the exchange ends: TLS wrapping detaches the socket object first created, but
    the connection underneath is the same; and the exchange may close its own descriptor
    before it ends, whose number another thread's connection could then be given — shut down
    by number, that one would have been cut (review 226).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.passed = False
        self._held: socket.socket | None = None
        self._lock = threading.Lock()
        self._ends = 0.0
        self._turn = 0  # which timer may cut: only the latest
        self._timer = self._timer_for(seconds)

    def _timer_for(self, seconds: float) -> threading.Timer:
        self._turn += 1
        timer = threading.Timer(seconds, self._cut, args=(self._turn,))
        timer.daemon = True
        return timer

    def allow_body(self, reply: Any) -> None:
        """Time for the body of ``reply``, whose headers came in time: what its announced
        length takes at ``SLOWEST_LINK`` (at most ``LONGEST_BODY``), else the time the headers
        had, on top of what is left."""
        length = getattr(reply, "length", None)
        more = min(length / SLOWEST_LINK, LONGEST_BODY) if isinstance(length, int) else None
        with self._lock:
            if self.passed:
                return
            self._timer.cancel()
            more = self.seconds if more is None else more
            self.seconds += more
            self._ends += more
            self._timer = self._timer_for(max(self._ends - time.monotonic(), 0.0))
            self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._let_go()
            self._held = sock.dup()
            if self.passed:
                self._shut()

    def opener(self, *handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
        """A urllib opener (with ``handlers``) whose every connection this deadline watches."""
        return urllib.request.build_opener(_Http(self), _Https(self), *handlers)

    def read(self, reply: Any, most: int | None = None) -> bytes:
        """The body of ``reply`` (up to ``most`` bytes), one receive at a time.

        Raises
        ------
        TimeoutError
            The deadline passed before the body was read whole.
        http.client.IncompleteRead
            The peer closed before the length it announced.
        """
        body = bytearray()
        while most is None or len(body) < most:
            chunk = reply.read1(_CHUNK if most is None else min(_CHUNK, most - len(body)))
            if not chunk:
                owed = getattr(reply, "length", None)
                if isinstance(owed, int) and owed > 0 and not self.passed:
                    raise http.client.IncompleteRead(bytes(body), owed)
                break
            body += chunk
        if self.passed:
            raise TimeoutError(f"no whole answer within {self.seconds:g} s")
        return bytes(body)

    def _cut(self, turn: int) -> None:
        with self._lock:
            if turn != self._turn:  # a timer replaced by a later one (``allow_body``)
                return
            self.passed = True
            self._shut()

    def _shut(self) -> None:
        if self._held is None:
            return
        with contextlib.suppress(OSError):  # already closed by the peer: nothing left to cut
            self._held.shutdown(socket.SHUT_RDWR)

    def _let_go(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    def __enter__(self) -> Deadline:
        self._ends = time.monotonic() + self.seconds
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        with self._lock:
            self._let_go()
        if self.passed and isinstance(error, Exception) and not isinstance(error, TimeoutError):
            raise TimeoutError(f"no whole answer within {self.seconds:g} s") from error


def _watched(
    base: type[http.client.HTTPConnection], deadline: Deadline
) -> Callable[..., http.client.HTTPConnection]:
    """``base``'s connections, each telling ``deadline`` its socket as soon as it exists
    (before any TLS handshake, and a proxy's connection too)."""

    def connection(host: str, **options: Any) -> http.client.HTTPConnection:
        made = base(host, **options)

        def create(*args: Any, **kwargs: Any) -> socket.socket:
            sock = socket.create_connection(*args, **kwargs)
            deadline.watch(sock)
            return sock

        made._create_connection = create  # type: ignore[attr-defined]
        return made

    return connection


class _Http(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_watched(http.client.HTTPConnection, self._deadline), req)


class _Https(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = _watched(http.client.HTTPSConnection, self._deadline)
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]
