"""Resuming a paused subscription sends what was parked oldest first, also when it is more than
one call re-drives (README: "at most 10,000 a call — call it again while `redriven` is not 0"):
each call takes the longest parked, so a subject's versions never arrive newest first
(review 93 F1)."""

from __future__ import annotations

import json

from app_support import HUNAN, black_entry
from delivery_support import as_operator, push_and_fan_out, signed, subscribe
from delivery_support import subscription_path as path_of

from gateway.delivery import redriving

VERSIONS = [
    "2026-03-02T09:00:00+08:00",
    "2026-03-03T09:00:00+08:00",
    "2026-03-04T09:00:00+08:00",
]


def test_resume_in_two_calls_still_sends_a_subjects_changes_in_order(
    gateway, stream, queue, receiver, monkeypatch
):
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN)
    signed(gateway, province, "POST", path_of(created, "/pause"))
    for stamp in VERSIONS:  # three versions of one listing, each parked while paused
        push_and_fan_out(gateway, stream, province, HUNAN, [black_entry(source_updated_at=stamp)])
        queue.run()
    assert receiver.requests == []

    # the per-call bound (10,000 in production), lowered so that three parked deliveries
    # need two calls, as 10,001 would
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 2)
    first = signed(gateway, province, "POST", path_of(created, "/resume"))
    queue.run()
    second = signed(gateway, province, "POST", path_of(created, "/resume"))
    queue.run()

    assert first.status_code == second.status_code == 200
    assert first.json_body["redriven"] + second.json_body["redriven"] == 3
    got = [json.loads(r.body)["data"]["listing"]["source_updated_at"] for r in receiver.requests]
    # oldest first: the subscriber must never get v3 before v1
    assert [g[:10] for g in got] == [v[:10] for v in VERSIONS], got


OLD = 6  # dead letters of failures, older than the parked one


def test_resume_finds_the_parked_delivery_behind_older_dead_letters(gateway, stream, queue, hook):
    """Dead letters of earlier failures, all older than what was parked: the re-drive reads
    past them, oldest first, and finds it (review 95 F5)."""
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, hook.url, HUNAN)
    hook.answer(410)  # Gone: dead, the endpoint turned off; what follows is held as disabled
    for n in range(OLD):
        entry = black_entry(decision_number=f"(2024)黑09执{n}号")
        push_and_fan_out(gateway, stream, province, HUNAN, [entry])
        queue.run()
    # the operator turns it back on without re-delivering what it missed (its dead letters stay)
    enabled = as_operator(
        gateway,
        "post",
        path_of(created, "/enable"),
        json.dumps({"redeliver_missed": False}).encode(),
    )
    assert enabled.status_code == 200, enabled.json_body
    hook.answer(204)
    assert signed(gateway, province, "POST", path_of(created, "/pause")).status_code == 200
    push_and_fan_out(
        gateway, stream, province, HUNAN, [black_entry(decision_number="(2024)黑09执99号")]
    )
    queue.run()
    before = len(hook.requests)

    resumed = signed(gateway, province, "POST", path_of(created, "/resume"))
    queue.run()
    assert resumed.status_code == 200, resumed.json_body
    assert resumed.json_body["redriven"] == 1, resumed.json_body
    assert len(hook.requests) == before + 1
