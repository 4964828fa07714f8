"""An ``objection.filed`` notice still being retried when its objection is decided is not posted:
it would tell the owner's chain that an objection awaits its check. A re-drive or an enable sent
a notice only while its objection was open and awaited it (review 309); the queue's own retries
never asked (review 398; ``gateway.delivery.notice_standing``)."""

from __future__ import annotations

import json
from typing import Any

from app_support import HUNAN, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, Reply, subscribe
from lifecycle_support import pushed, stamp
from test_relayed_notice_retry import _failing_notices, county_entry, objected_notice_failing


def test_a_notice_retried_after_its_objection_was_decided_is_not_posted(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    hunan = gateway.register_platform(HUNAN)
    with AnsweringReceiver() as hook:
        hook.reply = _failing_notices
        subscribe(gateway, hook.url, region=HUNAN, retry_schedule_seconds=[0, 0, 0, 0])
        entry = county_entry()
        listing_id = pushed(gateway, hunan, HUNAN, entry)
        code = entry["credit_code"]
        life = objected_notice_failing(gateway, stream, queue, code, listing_id)
        path = f"/v1/subjects/{code}/listings/{listing_id}/objections/o-2/decision"
        ruling = {"outcome": "upheld", "note": "经核查", "source_updated_at": stamp()}
        decided = life.post(path, ruling)
        assert decided.status_code == 200, decided.json_body
        assert decided.json_body["listing"]["objection"]["outcome"] == "upheld"
        before = len(hook.requests)
        hook.reply = Reply(204)
        for _ in range(4):
            queue.run()
        posted = [json.loads(r.body) for r in hook.requests[before:]]

    stale = [
        (
            p["data"]["listing"]["objection"]["outcome"],
            p["data"]["listing"]["objection"]["awaiting_notice"],
        )
        for p in posted
        if p["type"] == "objection.filed"
    ]
    assert stale == []
