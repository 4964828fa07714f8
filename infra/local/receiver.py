"""A province's webhook endpoint for the demo and tests: verifies every delivery it receives."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.client import verify_delivery
from gateway.clock import Clock, SystemClock
from gateway.errors import VerificationError
from gateway.fanout import DeliveryPayload


@dataclass
class Received:
    webhook_id: str
    payload: DeliveryPayload


@dataclass
class Receiver:
    """Answers 204 to a delivery that verifies, 401 to one that does not, ``status`` when set."""

    name: str
    public_keys: list[Ed25519PublicKey] = field(default_factory=list)
    secret: str | None = None
    clock: Clock = field(default_factory=SystemClock)
    respond: Callable[[], int] = lambda: 204
    refusal_headers: dict[str, str] = field(default_factory=dict)  # e.g. Retry-After on a 429
    subscription_id: str = ""
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    raw: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("start the receiver first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/credit"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                status = receiver.accept(dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in receiver.refusal_headers.items() if status >= 300 else ():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def accept(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.raw.append((headers, body))
        status = self.respond()
        if status >= 300:
            return status
        try:
            payload = verify_delivery(
                headers, body, self.clock.now(), public_keys=self.public_keys, secret=self.secret
            )
        except VerificationError as error:
            with self._lock:
                self.rejected.append(error.message)
            return 401
        with self._lock:
            self.received.append(Received(payload.delivery_id, payload))
        return 204

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
