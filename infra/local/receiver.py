"""A province's webhook endpoint for the demo and tests: answers the URL-verification
challenge for its own region, and verifies every delivery it receives (signature and audience).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from gateway_client.contract import (
    AnyKey,
    Clock,
    DeliveryPayload,
    EndpointNotice,
    SystemClock,
    VerificationError,
)
from gateway_client.push_client import http_request
from gateway_client.receiver import (
    Audience,
    fetch_gateway_keys,
    is_notice,
    is_verification,
    verify_challenge,
)

_Webhook = TypeVar("_Webhook")


@dataclass
class Received:
    webhook_id: str
    payload: DeliveryPayload


@dataclass
class Receiver:
    """Answers 204 to a delivery that verifies, 401 to one that does not, ``respond()`` when it
    is not 2xx; a challenge for ``region`` gets its echo whatever ``respond`` says (a flaky
    server is still the subscriber's). Challenges are kept apart from ``raw``."""

    name: str
    public_keys: list[AnyKey] = field(default_factory=list)
    secret: str | None = None
    region: str = ""  # the subscriber region: challenges and deliveries for any other are refused
    clock: Clock = field(default_factory=SystemClock)
    respond: Callable[[], int] = lambda: 204
    refusal_headers: dict[str, str] = field(default_factory=dict)  # e.g. Retry-After on a 429
    subscription_id: str = ""
    challenges: list[str] = field(default_factory=list)  # the ones answered
    received: list[Received] = field(default_factory=list)
    notices: list[EndpointNotice] = field(default_factory=list)  # health notices that verified
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
                headers = dict(self.headers.items())
                if is_verification(body):
                    status, reply = receiver.answer(headers, body)
                elif is_notice(body):
                    status, reply = receiver.note(headers, body), b""
                else:
                    status, reply = receiver.accept(headers, body), b""
                self.send_response(status)
                for name, value in receiver.refusal_headers.items() if status >= 300 else ():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def subscribe(
        self, base_url: str, request: Mapping[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Subscribe this endpoint (``request`` without its url): learn the gateway's keys
        first, to check the challenge that comes during the call, then the subscription id
        (and ``v1`` secret) the deliveries must be addressed to."""
        if not self.public_keys:
            self.public_keys = list(fetch_gateway_keys(base_url))
        self.region, self.secret = str(request["region"]), None  # one subscription at a time
        body = json.dumps({**request, "url": self.url}, ensure_ascii=False).encode()
        reply = http_request("POST", base_url.rstrip("/") + "/v1/subscriptions", body, headers)
        if reply.status >= 300:
            raise RuntimeError(f"subscribing {self.name} → {reply.status}: {reply.body}")
        created: dict[str, Any] = reply.body
        self.subscription_id = created["subscription_id"]
        self.secret = created.get("secret")
        return created

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """The challenge's echo, if the gateway signed it for this receiver's region."""
        event = self._checked(
            lambda: verify_challenge(
                headers,
                body,
                self.clock.now(),
                region=self.region,
                public_keys=self.public_keys,
                secret=self.secret,
            )
        )
        if event is None:
            return 401, b""
        with self._lock:
            self.challenges.append(event.subscription_id)
        return 200, event.answer()

    def note(self, headers: dict[str, str], body: bytes) -> int:
        """A health notice about this receiver's subscription: 204 if it verifies."""
        notice = self._checked(lambda: self._audience().notice(headers, body, self.clock.now()))
        if notice is None:
            return 401
        with self._lock:
            self.notices.append(notice)
        return 204

    def accept(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.raw.append((headers, body))
        status = self.respond()
        if status >= 300:
            return status
        payload = self._checked(lambda: self._audience().delivery(headers, body, self.clock.now()))
        if payload is None:
            return 401
        with self._lock:
            self.received.append(Received(payload.delivery_id, payload))
        return 204

    def _audience(self) -> Audience:
        keys = tuple(self.public_keys)
        return Audience(self.subscription_id, self.region or None, keys, self.secret)

    def _checked(self, verify: Callable[[], _Webhook]) -> _Webhook | None:
        """What ``verify`` returns, or None with the reason kept in ``rejected``."""
        try:
            return verify()
        except VerificationError as error:
            with self._lock:
                self.rejected.append(error.message)
            return None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
