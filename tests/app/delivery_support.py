"""Deliveries through the app: a receiver with scripted answers, and the queue run like Lambda.

Builds on ``app_support`` (``Gateway``, ``StreamReader``, ``sqs_event``, ``consume``) without
changing it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app_support import (
    CITY,
    HUNAN,
    Gateway,
    Received,
    StreamReader,
    black_entry,
    challenge_echo,
    consume,
    sqs_event,
)
from chalice.test import HTTPResponse

import app as gateway_app
from gateway.delivery.batching import Batch, queued_from_json
from gateway.delivery.planning import Delivery
from gateway_client.contract.signing import Ed25519Signer

AWS_REGION = "cn-northwest-1"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class AnsweringReceiver:
    """A real HTTP endpoint on 127.0.0.1 that records every webhook and answers with ``reply``
    (a fixed one, or one chosen from the request). With ``answers_challenge``, a URL-verification
    event gets its echo and goes to ``challenges``; without, it is scripted like the rest."""

    reply: Reply | Callable[[Received], Reply] = field(default_factory=lambda: Reply(204))
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    answers_challenge: bool = True
    challenges: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def answer(self, status: int, body: str = "", **headers: str) -> None:
        self.reply = Reply(status, body, {k.replace("_", "-"): v for k, v in headers.items()})

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                received = Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                echo = challenge_echo(received.body) if receiver.answers_challenge else None
                script = receiver.reply
                if echo is not None:
                    receiver.challenges.append(received)
                    reply = Reply(200, echo.decode())
                else:
                    receiver.requests.append(received)
                    reply = script if isinstance(script, Reply) else script(received)
                payload = reply.body.encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> AnsweringReceiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class DeliveryQueue:
    """The delivery queue as Lambda's event source mapping drives it: receive every visible
    message as one event, run the handler, delete what did not fail."""

    sqs: Any
    url: str
    dead_letter_url: str

    def event(self) -> dict[str, Any]:
        return sqs_event(self.sqs, self.url, AWS_REGION)

    def run(self, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Deliver ``event`` (default: everything visible now); consume what did not fail."""
        event = event if event is not None else self.event()
        outcome = gateway_app.deliver_webhooks(event, None)
        failed = {f["itemIdentifier"] for f in outcome["batchItemFailures"]}
        consume(self.sqs, self.url, event, failed)
        return dict(outcome)

    def take(self) -> list[Delivery]:
        """Every visible message, as deliveries (consumed)."""
        event = self.event()
        consume(self.sqs, self.url, event)
        return [Delivery.model_validate_json(r["body"]) for r in event["Records"]]

    def dead_letters(self) -> list[Delivery | Batch]:
        event = sqs_event(self.sqs, self.dead_letter_url, AWS_REGION)
        return [queued_from_json(r["body"]) for r in event["Records"]]


def subscribe(gateway: Gateway, url: str, region: str = HUNAN, **extra: Any) -> dict[str, Any]:
    response = gateway.subscribe_as_operator(region=region, url=url, **extra)
    assert response.status_code == 201, response.json_body
    return dict(response.json_body)


def push_and_fan_out(
    gateway: Gateway, stream: StreamReader, signer: Ed25519Signer, region: str, entries: list[Any]
) -> None:
    """Push ``entries`` as ``region``'s platform and fan the resulting changes out to the queue."""
    response = gateway.push(signer, region, entries)
    answer = (response.status_code, response.json_body)  # a refusal says why (seen once: flaky)
    assert response.json_body.get("accepted") == len(entries), answer
    gateway_app.fan_out_changes(stream.event(), None)


def died_on_failures(
    gateway: Gateway, stream: Any, queue: Any, hook: Any
) -> tuple[Ed25519Signer, str, str, dict[str, Any]]:
    """A city's black listing delivered to a 湖南 subscription retried once, its endpoint
    answering 500 until the delivery is dead: the city's signer, the subscription's id and
    path, and the dead delivery's view."""
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    for _ in range(3):
        queue.run()
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body["deliveries"]
    assert len(dead) == 1, dead
    return city, sub, path, dead[0]


def as_operator(gateway: Gateway, method: str, path: str, body: bytes = b"") -> HTTPResponse:
    call = getattr(gateway.client.http, method)
    if method == "get":
        return call(path, headers=gateway.operator())  # type: ignore[no-any-return]
    return call(path, headers=gateway.operator(), body=body)  # type: ignore[no-any-return]


def as_platform(
    gateway: Gateway, signer: Ed25519Signer, method: str, path: str, body: bytes = b""
) -> HTTPResponse:
    """A request signed with a platform key, in the request form under a fresh webhook-id (a
    GET signs the empty body)."""
    return gateway.send_signed(method.upper(), path, signer, body)


def subscription_path(subscription: dict[str, Any], suffix: str = "") -> str:
    return f"/v1/subscriptions/{subscription['subscription_id']}{suffix}"


def signed(
    gateway: Gateway, signer: Ed25519Signer, method: str, path: str, body: Any = None
) -> HTTPResponse:
    """A JSON body (or none) in a request a platform signs (``as_platform``)."""
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    return as_platform(gateway, signer, method, path, raw)
