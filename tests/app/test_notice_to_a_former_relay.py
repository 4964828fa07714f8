"""An ``objection.filed`` notice carries the listing whole (ID numbers in full, the subject's
reason) because it goes to the owner's chain, so it is posted only to a region that still acts
for the owner, judged at each attempt and at an enable (``gateway.delivery.notice_standing``).
Review 398: a notice queued while 湖南 relayed for its county, still retried (or held back by an
endpoint turned off) after the listing ended and relaying was turned off, was posted in full to
a region that was no longer the owner nor recognised the listing."""

from __future__ import annotations

import json
from typing import Any

from app_support import HUNAN, NATURAL_PERSON_CODE, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, Reply, as_operator, subscribe
from lifecycle_support import Lifecycle, push_with_removals, pushed, removal_of
from test_relayed_notice_retry import (
    COUNTY,
    REASON,
    _failing_notices,
    county_entry,
    objected_notice_failing,
)

import app as gateway_app


def test_a_retried_notice_is_not_posted_to_a_former_relay(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    hunan = gateway.register_platform(HUNAN)
    with AnsweringReceiver() as hook:
        hook.reply = _failing_notices
        subscribe(gateway, hook.url, region=HUNAN, retry_schedule_seconds=[0, 0, 0, 0])
        entry = county_entry(credit_code=NATURAL_PERSON_CODE, subject_name="张某某")
        listing_id = pushed(gateway, hunan, HUNAN, entry)
        life = objected_notice_failing(gateway, stream, queue, NATURAL_PERSON_CODE, listing_id)
        # 湖南 ends the listing (its objection still open, its notice still awaited), then
        # stops relaying for its counties
        removal = removal_of(entry, "revoked", origin_region=COUNTY)
        ended = push_with_removals(gateway, hunan, HUNAN, [removal])
        assert ended.json_body["removed"] == 1, ended.json_body
        body = json.dumps({"name": "湖南省", "relays_subregions": False}).encode()
        put = gateway.client.http.put(f"/v1/regions/{HUNAN}", headers=gateway.operator(), body=body)
        assert put.status_code == 200, put.json_body
        [view] = life.lookup(NATURAL_PERSON_CODE).json_body["listings"]
        assert view["listing"]["status"] == "revoked"
        assert view["listing"]["objection"]["outcome"] is None
        assert view["listing"]["objection"]["awaiting_notice"] is True
        # 湖南 may see nothing of the ended listing now
        seen = gateway.send_signed(
            "GET", f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision", hunan
        )
        assert seen.status_code == 404, seen.json_body
        before = len(hook.requests)
        hook.reply = Reply(204)
        for _ in range(4):
            queue.run()
        posted = [r.body.decode() for r in hook.requests[before:]]
        notices = [b for b in posted if json.loads(b).get("type") == "objection.filed"]

    assert notices == []  # settled dead, not sent: 湖南 no longer acts for the county


def test_a_held_back_notice_is_not_posted_at_the_enable_to_a_former_relay(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    """The same through ``enable``: 湖南's endpoint was off (410) when the operator filed the
    objection, so the notice was held back, for as long as the endpoint stayed off."""
    hunan = gateway.register_platform(HUNAN)
    with AnsweringReceiver() as hook:
        hook.answer(410, "gone")
        sub = subscribe(gateway, hook.url, region=HUNAN)["subscription_id"]
        entry = county_entry(credit_code=NATURAL_PERSON_CODE, subject_name="张某某")
        listing_id = pushed(gateway, hunan, HUNAN, entry)
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        path = f"/v1/subscriptions/{sub}"
        assert as_operator(gateway, "get", path).json_body["enabled"] is False
        life = Lifecycle(gateway)
        filed = life.file_objection(NATURAL_PERSON_CODE, listing_id, "o-2", reason=REASON)
        assert filed.status_code == 201, filed.json_body
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        removal = removal_of(entry, "revoked", origin_region=COUNTY)
        ended = push_with_removals(gateway, hunan, HUNAN, [removal])
        assert ended.json_body["removed"] == 1, ended.json_body
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        body = json.dumps({"name": "湖南省", "relays_subregions": False}).encode()
        put = gateway.client.http.put(f"/v1/regions/{HUNAN}", headers=gateway.operator(), body=body)
        assert put.status_code == 200, put.json_body
        seen = gateway.send_signed(
            "GET", f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision", hunan
        )
        assert seen.status_code == 404, seen.json_body
        hook.answer(204)
        hook.requests.clear()
        enabled = as_operator(gateway, "post", f"{path}/enable")
        assert enabled.status_code == 200, enabled.json_body
        for _ in range(3):
            queue.run()
        posted = [r.body.decode() for r in hook.requests]
        notices = [b for b in posted if json.loads(b).get("type") == "objection.filed"]

    assert notices == []
