"""An ``objection.filed`` notice goes to the owner's chain only, and its acknowledgement starts
the owner's deadline (and, by policy, suspends the measures). A notice queued while 湖南 relayed
for its county, and still being retried when the operator turned relaying off, is acknowledged
by a region that can no longer verify or decide: that receipt is not the owner's, and is not
recorded (review 213: it started the deadline)."""

from __future__ import annotations

import json
from typing import Any

from app_support import HUNAN, Gateway, Received, StreamReader, new_signer
from delivery_support import AnsweringReceiver, DeliveryQueue, Reply, subscribe
from lifecycle_support import Lifecycle, pushed, recent_entry

import app as gateway_app

COURT = "100001"
SOURCE = {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]}
COUNTY = "430102"  # 长沙市芙蓉区, relayed by 湖南省's platform
REASON = "本人已于二〇二六年履行完毕全部义务"


def county_entry(**overrides: Any) -> dict[str, Any]:
    """A listing of the county 湖南's platform relays for."""
    return recent_entry(
        origin_region=COUNTY,
        deciding_authority="长沙市芙蓉区人民法院",
        decision_number="(2026)湘0102执6号",
        **overrides,
    )


def _failing_notices(received: Received) -> Reply:
    body = json.loads(received.body)
    return Reply(500, "down") if body.get("type") == "objection.filed" else Reply(204)


def test_a_former_relay_acknowledging_a_retried_notice_does_not_start_the_deadline(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    """The owner's deadline runs from the day the owner's chain acknowledges the notice; a
    region that no longer acts for the owner cannot verify or decide (a province that stopped
    relaying is not noticed: tests/app/test_relayed_objection_notice.py)."""
    hunan = gateway.register_platform(HUNAN)
    with AnsweringReceiver() as hook:
        hook.reply = _failing_notices
        subscribe(gateway, hook.url, region=HUNAN, retry_schedule_seconds=[0, 0, 0, 0])
        entry = county_entry()
        listing_id = pushed(gateway, hunan, HUNAN, entry)
        code = entry["credit_code"]
        life = objected_notice_failing(gateway, stream, queue, code, listing_id)
        body = json.dumps({"name": "湖南省", "relays_subregions": False}).encode()
        put = gateway.client.http.put(f"/v1/regions/{HUNAN}", headers=gateway.operator(), body=body)
        assert put.status_code == 200, put.json_body
        hook.reply = Reply(204)
        for _ in range(4):
            queue.run()

        [view] = life.lookup(code).json_body["listings"]
        objection = view["listing"]["objection"]
        assert objection["awaiting_notice"] is True, objection


def objected_notice_failing(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, code: str, listing_id: str
) -> Lifecycle:
    """The listing fanned out, then objected to by the operator: its notice's first attempt
    fails (the hook's ``_failing_notices``)."""
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    life = Lifecycle(gateway)
    filed = life.file_objection(code, listing_id, "o-2", reason=REASON)
    assert filed.status_code == 201, filed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    return life


def _put(gateway: Gateway, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.put(f"/v1/regions/{COURT}", headers=gateway.operator(), body=raw)


def test_a_national_source_out_of_the_domain_acknowledging_a_notice_starts_no_deadline(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    """A national source whose domain was taken away may no longer verify or decide: its
    receipt of a retried notice is no owner's either (review 219)."""
    assert _put(gateway, SOURCE).status_code == 200
    court = new_signer("k-court-1")
    assert gateway.add_key(COURT, court).status_code == 201
    with AnsweringReceiver() as hook:
        hook.reply = _failing_notices
        subscribe(gateway, hook.url, region=COURT, retry_schedule_seconds=[0, 0, 0, 0])
        entry = recent_entry(deciding_authority="最高人民法院", decision_number="(2026)最高法执1号")
        listing_id = pushed(gateway, court, COURT, entry)
        code = entry["credit_code"]
        life = objected_notice_failing(gateway, stream, queue, code, listing_id)
        moved = _put(gateway, {**SOURCE, "domains": ["ecology_environment"]})
        assert moved.status_code == 200, moved.json_body
        hook.reply = Reply(204)
        for _ in range(4):
            queue.run()
        # the source can no longer decide it
        decided = life.decide(court, code, listing_id, "o-2", "upheld")

        [view] = life.lookup(code).json_body["listings"]
        objection = view["listing"]["objection"]
    assert decided.status_code == 403, decided.json_body
    assert decided.json_body["error"]["code"] == "domain_not_permitted", decided.json_body
    assert objection["awaiting_notice"] is True, objection
