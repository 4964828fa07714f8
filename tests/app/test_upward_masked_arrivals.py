"""A person's listing that reached an upward-reporting target with its ID number masked (it
ended before the attempt: ``shown_now`` masks it) reached the target all the same: the arrival is
noted under the listing's real key, live and rebuilt alike (review 152: live, the masked code
keyed no item, and nothing was noted, while the rebuild noted a batch's lines)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, PROVINCE, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    fan_out_event,
    push_with_removals,
    recent_entry,
    removal_of,
    this_month,
)
from test_stats_counters_route import run_rebuild

import app as gateway_app

TO_PROVINCE = {"rules": [{"rule": "to-province", "target": PROVINCE, "within_hours": 24}]}


def _line(life: Lifecycle) -> dict[str, Any]:
    [line] = life.stats(CITY, this_month()).json_body["upward"]
    return {k: line[k] for k in ("due", "reported_on_time", "late", "missing", "pending")}


def _delivered_masked(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver, mode: str
) -> Lifecycle:
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    gateway.put_region(PROVINCE)
    subscribe(gateway, hook.url, region=PROVINCE, delivery_mode=mode)
    city = gateway.register_platform(CITY)
    entries = [
        recent_entry(
            credit_code=PERSON_CODE, subject_name="张某某", decision_number=f"(2026)黑09执{i}号"
        )
        for i in (51, 52)
    ]
    assert gateway.push(city, CITY, entries).json_body["accepted"] == 2
    removals = [removal_of(e, "revoked") for e in entries]
    assert push_with_removals(gateway, city, CITY, removals).json_body["removed"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert hook.requests, "the province was sent the listings"
    assert all(PERSON_CODE.encode() not in r.body for r in hook.requests)  # masked, as meant
    return Lifecycle(gateway)


def test_live_notes_the_arrival_of_a_masked_batched_line(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    life = _delivered_masked(gateway, stream, queue, hook, "batched")
    fan_out_event(aws, stream.event())  # the arrivals noted, counted by the stream
    assert _line(life)["reported_on_time"] == 2, _line(life)


def test_live_notes_the_arrival_of_a_masked_single_delivery(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    life = _delivered_masked(gateway, stream, queue, hook, "single")
    fan_out_event(aws, stream.event())
    assert _line(life)["reported_on_time"] == 2, _line(life)


def test_rebuild_agrees_with_live_for_masked_batched_lines(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    life = _delivered_masked(gateway, stream, queue, hook, "batched")
    fan_out_event(aws, stream.event())
    live = _line(life)

    run_rebuild(gateway, this_month())
    fan_out_event(aws, stream.event())

    assert _line(life) == live
