"""Probe 264 (drop_sent / _sent_as_line): what a partly dropped batch and a dropped re-drive
leave in the activity counters and the delivery list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, StreamReader, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    subscribe,
    subscription_path,
)

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.statistics.tallies import month_of
from gateway_client.contract import BATCH_EVENT
from gateway_client.contract.signing import Ed25519Signer

THREE = [
    black_entry(),
    black_entry(decision_number="(2024)黑09执124号"),
    black_entry(credit_code="91430100687234560U", decision_number="(2024)黑09执200号"),
]


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


def counted(subscription: dict[str, Any]) -> int:
    sub = subscription["subscription_id"]
    month = container().statistics.read(CITY, month_of(container().clock.now()))
    return sum(c.get(f"delivered#{sub}", 0) for c in month.values())


def test_a_partly_dropped_batch_counts_only_the_lines_it_sent_in_activity(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    """Two lines delivered in one file; the stream hands the three records again (a file drawn
    otherwise: drop_sent's partial branch). Three changes are delivered, three counted."""
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    assert gateway.push(city, CITY, THREE).json_body["accepted"] == 3
    event = stream.event()
    gateway_app.fan_out_changes({"Records": event["Records"][:2]}, None)
    queue.run()
    gateway_app.fan_out_changes(event, None)  # the same records and one more
    queue.run()

    sent = [json.loads(r.body) for r in hook.requests]
    assert [x["type"] for x in sent] == [BATCH_EVENT, BATCH_EVENT]
    assert [x["count"] for x in sent] == [2, 1]  # the second file: its new line only
    assert counted(mine) == 3  # the monthly statistics: right

    reply = as_operator(gateway, "get", "/v1/activity?hours=1").json_body
    assert reply["hours"][-1]["deliveries"]["delivered"] == 3, reply["hours"][-1]


def test_a_redriven_line_delivered_in_another_batch_does_not_stay_retrying(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    """A file dies (its lines get dead records); the split copy of its first two lines is then
    delivered. 're-drive all dead' reopens the three dead lines: two are dropped by
    ``_sent_as_line`` with no record written, so they stay 'retrying' for good (no message left
    to settle them; no longer dead, so no re-drive finds them)."""
    hook.answer(500, "down")
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0])
    assert gateway.push(city, CITY, THREE).json_body["accepted"] == 3
    event = stream.event()
    gateway_app.fan_out_changes(event, None)
    queue.run()
    queue.run()  # the last attempt: dead, a dead record per line
    hook.answer(204)
    gateway_app.fan_out_changes({"Records": event["Records"][:2]}, None)  # split copy
    queue.run()  # delivered: nothing of it was delivered before
    assert json.loads(hook.requests[-1].body)["count"] == 2

    redriven = as_operator(gateway, "post", subscription_path(mine, "/redrive"))
    assert redriven.status_code == 202, redriven.json_body
    queue.run()
    queue.run()

    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries")).json_body
    states = sorted((x["state"], x["delivery_id"]) for x in listed["deliveries"])
    assert not [s for s in states if s[0] == "retrying"], states
    own = {d: as_operator(gateway, "get", f"/v1/deliveries/{d}").json_body for _, d in states}
    retrying = as_operator(gateway, "get", subscription_path(mine, "/deliveries?state=retrying"))
    assert {d: v.get("state") for d, v in own.items()} == {d: "delivered" for _, d in states}
    assert retrying.json_body["deliveries"] == []
