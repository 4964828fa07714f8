"""A batch still retrying when its subscription turns to single delivery, the stream then
handing the same records again as single deliveries that get through: the batch's retry sends
none of them again (review 268: every change was sent and counted twice). A batch of a
subscription single now is from before the turn: each line's own record is looked up."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, HUNAN, Gateway, StreamReader, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    signed,
    subscribe,
    subscription_path,
)

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.statistics.tallies import month_of

THREE = [
    black_entry(),
    black_entry(decision_number="(2024)黑09执124号"),
    black_entry(credit_code="91430100687234560U", decision_number="(2024)黑09执200号"),
]


def counted(subscription: dict[str, Any]) -> int:
    sub = subscription["subscription_id"]
    month = container().statistics.read(CITY, month_of(container().clock.now()))
    return sum(c.get(f"delivered#{sub}", 0) for c in month.values())


def test_a_retrying_batch_after_a_switch_to_single_repeats_no_change(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
) -> None:
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    province = gateway.register_platform(HUNAN)
    hook.answer(500, "down")
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0, 0])
    assert gateway.push(city, CITY, THREE).json_body["accepted"] == 3
    event = stream.event()
    gateway_app.fan_out_changes(event, None)
    queue.run()  # the batch's first attempt fails: retrying
    assert len(hook.requests) == 1
    switched = signed(
        gateway, province, "PATCH", subscription_path(mine), {"delivery_mode": "single"}
    )
    assert switched.status_code == 200, switched.json_body
    hook.answer(204)
    gateway_app.fan_out_changes(event, None)  # the same stream records, handed again
    queued = queue.event()["Records"]
    batch = [r for r in queued if "batch_message" in r["body"] or '"key"' in r["body"]]
    singles = [r for r in queued if r not in batch]
    assert (len(batch), len(singles)) == (1, 3)
    queue.run({"Records": singles})  # the single deliveries get through first
    queue.run({"Records": batch})  # then the batch's retry

    types = [json.loads(r.body)["type"] for r in hook.requests[1:]]
    assert counted(mine) == 3, (counted(mine), types)
    assert len(types) == 3, types  # each change sent once
