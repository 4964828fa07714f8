"""An HTTP server peers cannot hold: at most so many requests handled at once (one more is
closed unanswered: the sender retries it), each cut off so long after it was accepted however it
trickles (a read timeout alone is reset by every byte), on daemon threads (closing the server
waits for none). What ``gateway listen`` serves the gateway's deliveries on (reviews 46g, 46h),
and what a witness serves the gateway's checkpoints on (review 298: a peer trickling a byte now
and then held a witness's threads, and so its cosignatures, for ever)."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class BoundedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        most: int,
        seconds: float,
    ) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(most)
        self._seconds = seconds

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        cut_off = threading.Timer(self._seconds, _cut, (request,))
        cut_off.start()
        try:
            super().process_request_thread(request, client_address)
        finally:
            cut_off.cancel()
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection cut off or broken by its peer: nothing to report (no traceback)."""


def _cut(request: socket.socket) -> None:
    with contextlib.suppress(OSError):
        request.shutdown(socket.SHUT_RDWR)
