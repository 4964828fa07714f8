"""One delivery batch, a trickling endpoint and a healthy one: the healthy one is not kept
waiting, the trickling one is cut at the deadline and counted as failing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from app_support import (
    CITY,
    HUNAN,
    Receiver,
    black_entry,
    challenge_echo,
    sqs_event,
)

import app as gateway_app
from chalicelib import bootstrap
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery import sending as delivery_module
from gateway.delivery.planning import Delivery

DEADLINE = 3.0
TRICKLED = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
TRICKLE_SECONDS = 0.2 * len(TRICKLED)  # 8.2 s for the whole answer


class Trickler(ThreadingHTTPServer):
    """Answers the URL-verification challenge, then trickles every delivery's answer a byte
    every 0.2 s (a response that would take 8 s in all)."""

    daemon_threads = True
    stop: threading.Event


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            echo = challenge_echo(body)
            if echo is not None:
                self.send_response(200)
                self.send_header("content-length", str(len(echo)))
                self.end_headers()
                self.wfile.write(echo)
                return
            for byte in TRICKLED:
                if server.stop.wait(0.2):
                    return
                try:
                    self.wfile.write(bytes([byte]))
                except OSError:
                    return  # cut by the gateway

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = Trickler(("127.0.0.1", 0), Handler)
    server.stop = threading.Event()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()


def test_a_trickling_endpoint_is_cut_at_the_deadline_and_delays_no_one(
    gateway, aws, stream, receiver: Receiver, trickler: Trickler, monkeypatch
):
    monkeypatch.setattr(delivery_module, "REQUEST_TIMEOUT_SECONDS", DEADLINE)
    gateway.put_region(HUNAN)
    port = trickler.server_address[1]
    slow = subscribe(gateway, f"http://127.0.0.1:{port}/hook")["subscription_id"]
    subscribe(gateway, receiver.url)
    push(gateway, stream)
    event = sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], "cn-northwest-1")
    # The trickling endpoint's message first: sent one after another, it would hold the other.
    event["Records"].sort(key=lambda r: slow not in r["body"])
    first = event["Records"][0]
    assert Delivery.model_validate_json(first["body"]).subscription_id == slow
    outcome: dict[str, Any] = {}
    started = time.monotonic()

    batch = threading.Thread(
        target=lambda: outcome.update(gateway_app.deliver_webhooks(event, None))
    )
    batch.start()
    while not receiver.requests and time.monotonic() - started < 5:
        time.sleep(0.01)
    healthy_after = time.monotonic() - started
    batch.join(timeout=10)
    batch_took = time.monotonic() - started

    # Bounds relative to the deadline and the trickle, with seconds of room on a loaded
    # machine: the healthy one served before the cut, the batch ended at the cut.
    assert healthy_after < DEADLINE <= batch_took < TRICKLE_SECONDS
    assert outcome == {"batchItemFailures": [{"itemIdentifier": first["messageId"]}]}
    cut = Delivery.model_validate_json(first["body"])
    view = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"]).view(cut.delivery_id)
    assert view is not None
    [attempt] = view["attempts"]
    assert (view["state"], attempt["status"]) == ("retrying", 0)
    assert "deadline" in attempt["response_excerpt"]
    assert bootstrap.container().subscriptions.get(slow).failing_since is not None


def subscribe(gateway, url: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = gateway.subscribe_as_operator(region=HUNAN, url=url)
    assert response.status_code == 201, response.json_body
    assert response.json_body["state"] == "verified"
    return dict(response.json_body)


def push(gateway, stream) -> None:  # type: ignore[no-untyped-def]
    signer = gateway.register_platform(CITY)
    assert gateway.push(signer, CITY, [black_entry()]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
