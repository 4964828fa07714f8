"""The stats rebuild reads from the log only the chunks that hold its page's batched lines, and
only for lines that may be an arrival at a rule target above their listing (review 154: runs
joined across gaps downloaded every chunk between two batches; lines reaching no target were
read too)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, HUNAN, PROVINCE, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from lifecycle_support import recent_entry, this_month
from log_reads import chunk_reads
from test_stats_counters_route import run_rebuild

import app as gateway_app

TO_PROVINCE = {"rules": [{"rule": "to-province", "target": PROVINCE, "within_hours": 24}]}
_BETWEEN = 30


def test_rebuild_reads_only_the_chunks_holding_its_lines(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    monkeypatch: Any,
) -> None:
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    gateway.put_region(PROVINCE)
    gateway.put_region(HUNAN)
    subscribe(
        gateway,
        hook.url,
        region=PROVINCE,
        delivery_mode="batched",
        filters={"source_regions": [PROVINCE]},
    )
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)

    def city_batch(n: int) -> None:
        entries = [recent_entry(decision_number=f"黑罚〔2026〕{n}{i}号") for i in range(2)]
        assert gateway.push(city, CITY, entries).json_body["accepted"] == 2
        gateway_app.fan_out_changes(stream.event(), None)

    city_batch(1)
    for j in range(_BETWEEN):  # another province's single pushes, each its own chunk
        other = recent_entry(decision_number=f"湘罚〔2026〕{j}号")
        assert gateway.push(hunan, HUNAN, [other]).json_body["accepted"] == 1
        gateway_app.fan_out_changes(stream.event(), None)
    city_batch(2)
    queue.run()
    assert len(hook.requests) == 2  # two batches of two lines each

    reads = chunk_reads(monkeypatch)
    run_rebuild(gateway, this_month())
    # the 4 lines lie in 2 chunks: nothing between them is read (30 chunks were)
    assert len(reads) <= 4, (len(reads), len(set(reads)))


def test_rebuild_reads_no_log_for_lines_that_reach_no_target_above_them(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    monkeypatch: Any,
) -> None:
    """As live (``reaches``): a line delivered to a target region it does not lie below (its
    record holds its ``origin_region``) reads nothing of the log."""
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    gateway.put_region(PROVINCE)
    gateway.put_region(HUNAN)
    subscribe(gateway, hook.url, region=PROVINCE, delivery_mode="batched")
    hunan = gateway.register_platform(HUNAN)
    entries = [recent_entry(decision_number=f"湘罚〔2026〕{i}号") for i in range(3)]
    assert gateway.push(hunan, HUNAN, entries).json_body["accepted"] == 3
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert len(hook.requests) == 1

    reads = chunk_reads(monkeypatch)
    run_rebuild(gateway, this_month())
    assert reads == [], len(reads)  # Hunan's listings lie below no target (PROVINCE is 230000)
