"""A rule target that takes its deliveries batched: the live counters see the arrival of each
line, and so does the statistics rebuild (review 150: it skipped a delivered batch's record,
which holds its lines — their arrivals were never noted, their delivered counts reset to 0)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, PROVINCE, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from lifecycle_support import Lifecycle, fan_out_event, recent_entry, this_month
from test_stats_counters_route import run_rebuild

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.statistics.tallies import month_of

TO_PROVINCE = {"rules": [{"rule": "to-province", "target": PROVINCE, "within_hours": 24}]}


def _line(life: Lifecycle) -> dict[str, Any]:
    [line] = life.stats(CITY, this_month()).json_body["upward"]
    return {k: line[k] for k in ("due", "reported_on_time", "late", "missing", "pending")}


def _delivered(sub: str) -> int:
    counted = container().statistics.read(CITY, month_of(container().clock.now()))
    return sum(c.get(f"delivered#{sub}", 0) for c in counted.values())


def _batched_to_the_province(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> str:
    """Two of the city's listings delivered to the province in one batch; its subscription."""
    gateway.put_region(PROVINCE)
    mine = subscribe(gateway, hook.url, region=PROVINCE, delivery_mode="batched")
    city = gateway.register_platform(CITY)
    entries = [recent_entry(decision_number=f"(2026)黑09执{i}号") for i in (31, 32)]
    assert gateway.push(city, CITY, entries).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert len(hook.requests) == 1  # one batch, 2xx: both listings reached the province
    return str(mine["subscription_id"])


def test_rule_named_after_batched_deliveries_counts_them_once_rebuilt(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
) -> None:
    mine = _batched_to_the_province(gateway, stream, queue, hook)
    delivered_live = _delivered(mine)
    assert delivered_live == 2
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))  # rule named afterwards
    life = Lifecycle(gateway)

    run_rebuild(gateway, this_month())
    fan_out_event(aws, stream.event())  # what the rebuild noted, counted by the stream

    assert _line(life)["reported_on_time"] == 2, _line(life)
    assert _delivered(mine) == delivered_live


def test_live_rule_with_batched_target_survives_rebuild(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
) -> None:
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    mine = _batched_to_the_province(gateway, stream, queue, hook)
    fan_out_event(aws, stream.event())
    life = Lifecycle(gateway)
    live = _line(life)
    assert live["reported_on_time"] == 2, live

    run_rebuild(gateway, this_month())
    fan_out_event(aws, stream.event())

    assert _line(life) == live
    assert _delivered(mine) == 2
