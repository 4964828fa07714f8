"""A statistics rebuild, run after an upward-reporting rule is named, records the arrivals the
live counting would have (review 286): it scanned only the deliveries in the feedback rate, so
a listing whose first arrival at the target was its end (or an objection's step) showed as not
reached; and it looked the subscriber's region up among subscriptions still held, so one
delivered to a subscription deleted since was dropped."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, PROVINCE, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from lifecycle_support import (
    Lifecycle,
    fan_out_event,
    push_with_removals,
    recent_entry,
    removal_of,
    this_month,
)
from test_stats_counters_route import run_rebuild
from test_upward_masked_arrivals import TO_PROVINCE, _line

import app as gateway_app


def _setup(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    configure_first: bool,
) -> Lifecycle:
    if configure_first:
        gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    gateway.put_region(PROVINCE)
    subscribe(gateway, hook.url, region=PROVINCE, retry_schedule_seconds=[0])
    city = gateway.register_platform(CITY)
    entry = recent_entry(decision_number="(2026)黑09执71号")
    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    hook.answer(500, "down")
    for _ in range(3):
        queue.run()
    hook.answer(204)
    assert (
        push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")]).json_body["removed"]
        == 1
    )
    gateway_app.fan_out_changes(stream.event(), None)
    before = len(hook.requests)
    queue.run()
    assert len(hook.requests) > before, "the removal reached the province"
    return Lifecycle(gateway)


def test_rule_named_after_the_fact_counts_the_end_s_arrival_as_live_would(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    life = _setup(gateway, stream, queue, hook, configure_first=False)
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    life = Lifecycle(gateway)
    run_rebuild(gateway, this_month())
    fan_out_event(aws, stream.event())
    line = _line(life)
    # live (the rule named beforehand) notes the removal's acknowledgement as the arrival
    assert line["reported_on_time"] + line["late"] == 1, line


def test_rule_named_after_counts_arrivals_at_a_since_deleted_subscription_of_the_target(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    """The province was delivered the city's listing, then replaced its subscription (deleted
    the old one, made a new one). The listing reached the province; live, ``reached#`` says so
    for good ("a deleted subscription's deliveries still count"). The rebuild looks the
    subscription up with ``subscriptions.get``, which forgets deleted ones: no arrival."""
    gateway.put_region(PROVINCE)
    old = subscribe(gateway, hook.url, region=PROVINCE)
    city = gateway.register_platform(CITY)
    assert (
        gateway.push(city, CITY, [recent_entry(decision_number="(2026)黑09执72号")]).json_body[
            "accepted"
        ]
        == 1
    )
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert len(hook.requests) == 1
    gone = gateway.client.http.delete(
        f"/v1/subscriptions/{old['subscription_id']}", headers=gateway.operator()
    )
    assert gone.status_code in (200, 204), gone.json_body
    subscribe(gateway, hook.url, region=PROVINCE)  # the province is subscribed still

    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    life = Lifecycle(gateway)
    run_rebuild(gateway, this_month())
    fan_out_event(aws, stream.event())

    line = _line(life)
    assert line["reported_on_time"] == 1, line
