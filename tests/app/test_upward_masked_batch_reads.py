"""A batch of masked lines delivered to an upward-reporting target keys their arrivals from
the log reading each chunk once, not once a line (review 153: each line downloaded and opened
its whole chunk again, after the receiver answered and before the batch was settled)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, PROVINCE, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from lifecycle_support import PERSON_CODE, push_with_removals, recent_entry, removal_of
from log_reads import chunk_reads

import app as gateway_app

TO_PROVINCE = {"rules": [{"rule": "to-province", "target": PROVINCE, "within_hours": 24}]}
_LINES = 24


def test_a_masked_batch_reads_each_log_chunk_once_not_once_a_line(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    monkeypatch: Any,
) -> None:
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    gateway.put_region(PROVINCE)
    subscribe(gateway, hook.url, region=PROVINCE, delivery_mode="batched")
    city = gateway.register_platform(CITY)
    entries = [
        recent_entry(
            credit_code=PERSON_CODE, subject_name="张某某", decision_number=f"(2026)黑09执{i}号"
        )
        for i in range(100, 100 + _LINES)
    ]
    assert gateway.push(city, CITY, entries).json_body["accepted"] == _LINES
    removals = [removal_of(e, "revoked") for e in entries]
    assert push_with_removals(gateway, city, CITY, removals).json_body["removed"] == _LINES
    gateway_app.fan_out_changes(stream.event(), None)

    reads = chunk_reads(monkeypatch)
    queue.run()
    assert hook.requests
    assert all(PERSON_CODE.encode() not in r.body for r in hook.requests)
    assert len(hook.requests) == 1  # one batch of all 2 x _LINES lines
    # every line of the batch lies in one or two chunks: each downloaded once
    assert len(reads) == len(set(reads)), (len(reads), len(set(reads)))
