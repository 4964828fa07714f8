"""An objection's notice to the listing's owner goes out whole at every attempt: the owner sees
its own listing in full, the objection's reason too, ended or not — it must decide it. The
re-masking of retries (review 46f) left it the reason withheld once the listing had ended
(review 46j F2)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CREDIT_CODE, HUNAN, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    listing_path,
    push_with_removals,
    pushed,
    qingcheng_entry,
    removal_of,
)

import app as gateway_app

REASON = "已履行完毕，申请撤销"


def test_a_notice_retried_after_the_listing_ended_still_carries_the_reason(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    aws: Any,
) -> None:
    owner = gateway.register_platform(QINGCHENG)
    hunan = gateway.register_platform(HUNAN)
    subscribe(gateway, hook.url, region=QINGCHENG, retry_schedule_seconds=[0, 0, 0])
    subscribe(gateway, hook.url, region=HUNAN)  # delivered it: it may object
    entry = qingcheng_entry()
    listing_id = pushed(gateway, owner, QINGCHENG, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    hook.answer(500, "down")
    filing = {"objection_id": "o1", "reason": REASON, "on_behalf": "subject"}
    path = listing_path(CREDIT_CODE, listing_id) + "/objections"
    assert Lifecycle(gateway).post(path, filing, hunan).status_code == 201
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    removed = push_with_removals(gateway, owner, QINGCHENG, [removal_of(entry, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    sent = len(hook.requests)

    hook.answer(204)
    for _ in range(3):
        queue.run()

    later = [json.loads(r.body) for r in hook.requests[sent:]]
    notices = [b for b in later if b["type"] == "objection.filed"]
    assert notices
    assert notices[-1]["data"]["listing"]["objection"]["reason"] == REASON
