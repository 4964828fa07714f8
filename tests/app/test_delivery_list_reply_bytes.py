"""A subscription's delivery list stops a page short of what Lambda sends (6 MB, as
``reply_bytes`` counts it): a delivery keeps up to 50 attempts, each with up to 2,048 bytes of
its endpoint's answer, and 300 dead deliveries of an endpoint answering a Chinese error page
came to 10 MB (review 376). The page's bound is made small here, so that a few deliveries
stand in for hundreds; the list goes on where it stopped, repeating and missing none."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from app_support import CREDIT_CODE, DAYE, HUNAN, queued_messages
from delivery_support import subscribe
from lifecycle_support import pushed, recent_entry

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb import delivery_listing
from chalicelib.http_errors import reply_bytes
from gateway.delivery import Attempt, Delivery, DeliveryState

# an endpoint's Chinese error page, cut at the 2,048 bytes an attempt keeps
EXCERPT = (
    ("<html><body><h1>服务器内部错误</h1>" + "系统繁忙，请稍后再试。" * 200)
    .encode()[:2048]
    .decode(errors="ignore")
)
ATTEMPTS = 8  # the default schedule: the first try and seven retries
DEAD = 12
PAGE = 60_000


def _dead_deliveries(gateway: Any, receiver: Any, stream: Any, aws: Any) -> tuple[str, set[str]]:
    """A subscription with ``DEAD`` deliveries dead after ``ATTEMPTS`` error pages each."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    sub = subscribe(gateway, receiver.url, region=HUNAN)["subscription_id"]
    pushed(gateway, daye, DAYE, {**recent_entry(), "credit_code": CREDIT_CODE})
    gateway_app.fan_out_changes(stream.event(), None)
    [queued] = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    c = container()
    start = c.clock.now() - timedelta(days=2)
    ids = set()
    for n in range(DEAD):
        made = "msg_" + hashlib.sha256(f"{n}".encode()).hexdigest()[:32]
        delivery = Delivery.model_validate({**queued.model_dump(mode="json"), "delivery_id": made})
        for k in range(ATTEMPTS):
            state = DeliveryState.DEAD if k == ATTEMPTS - 1 else DeliveryState.RETRYING
            at = start + timedelta(seconds=n, minutes=k)
            attempt = Attempt(at=at, status=500, latency_ms=80, response_excerpt=EXCERPT)
            c.deliveries.record(delivery, attempt, state)
        ids.add(made)
    return sub, ids


def test_a_page_of_deliveries_stops_at_its_bytes_and_the_next_goes_on(
    gateway: Any, receiver: Any, stream: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub, dead = _dead_deliveries(gateway, receiver, stream, aws)
    monkeypatch.setattr(delivery_listing, "PAGE_BYTES", PAGE)
    path = f"/v1/subscriptions/{sub}/deliveries?state=dead&limit=500"

    pages, seen, after = [], [], ""
    while True:
        answer = gateway.client.http.get(path + after, headers=gateway.operator())
        assert answer.status_code == 200, answer.json_body
        shown = answer.json_body["deliveries"]
        pages.append(sum(reply_bytes(x) for x in shown))
        seen += [x["delivery_id"] for x in shown]
        if answer.json_body["next"] is None:
            break
        after = f"&after={answer.json_body['next']}"

    assert len(pages) > 2
    assert max(pages) <= PAGE
    assert sorted(seen) == sorted(dead)  # every one once
