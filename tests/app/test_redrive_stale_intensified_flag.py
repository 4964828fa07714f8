"""A re-drive does not send a raised intensified flag whose lowering was delivered since
(review 281): a subject listed in two domains while the subscriber's endpoint failed, then
back to one, its lowering delivered — the operator's re-drive of the dead letters told the
province the subject was under intensified punishment again. A dead flag goes out only while
the subject's flag for the region is what it says."""

from __future__ import annotations

import json
from typing import Any

from app_support import DAYE, HUBEI, daye_black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe, subscription_path
from lifecycle_support import push_with_removals, removal_of

import app as gateway_app


def _flags(hook: Any, start: int = 0) -> list[bool]:
    bodies = [json.loads(r.body) for r in hook.requests[start:]]
    return [b["intensified"]["intensified"] for b in bodies if b["type"] == "subject.intensified"]


def test_a_dead_raised_flag_is_not_re_driven_after_the_lowering_was_delivered(
    gateway, stream, queue, hook
) -> None:
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUBEI, name="湖北省")
    mine = subscribe(gateway, hook.url, HUBEI, retry_schedule_seconds=[0])
    court = daye_black_entry()
    push_and_fan_out(gateway, stream, daye, DAYE, [court])
    queue.run()
    assert _flags(hook) == []

    hook.answer(500, "down")
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕3号",
    )
    push_and_fan_out(gateway, stream, daye, DAYE, [tax])  # two domains: raised
    for _ in range(4):
        queue.run()
    assert any(_flags(hook)), "the raise was attempted (and failed)"
    dead = as_operator(gateway, "get", subscription_path(mine, "/deliveries?state=dead"))
    assert dead.json_body["deliveries"], "raised flag dead"

    hook.answer(204)
    removed = push_with_removals(gateway, daye, DAYE, [removal_of(tax, "revoked")])
    assert removed.status_code in (200, 201, 207), removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(3):
        queue.run()
    assert _flags(hook)[-1] is False, "the lowering was delivered"

    before = len(hook.requests)
    redriven = as_operator(gateway, "post", subscription_path(mine, "/redrive"))
    assert redriven.status_code == 202, redriven.json_body
    for _ in range(3):
        queue.run()
    # correct: the subject is no longer intensified; nothing may say it is, after the lowering
    assert not any(_flags(hook, before)), _flags(hook, before)
