"""An objection notice reaches 湖南, which relays 芙蓉区's listing but whose filters leave that
listing out: the notice is no arrival of the listing there, live (review 127) nor in a statistics
rebuild (review 129), and both give the same report."""

from __future__ import annotations

import json
from typing import Any

from app_support import CREDIT_CODE, GUANGDONG, HUNAN, Gateway, Receiver, StreamReader
from lifecycle_support import (
    Lifecycle,
    fan_out_and_deliver,
    fan_out_event,
    listing_path,
    pushed,
    recent_entry,
    this_month,
)
from test_stats_counters_route import run_rebuild

COUNTY = "430102"
TO_HUNAN = {"rules": [{"rule": "court-to-province", "target": HUNAN, "within_hours": 24}]}


def test_a_rebuild_does_not_count_a_notice_as_the_listing_s_arrival(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    gateway.configure(upward_reporting=json.dumps(TO_HUNAN))
    life = Lifecycle(gateway)
    hunan = gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    # Hunan's subscription takes food_drug listings only: the court listing never reaches it
    made = gateway.subscribe_as_operator(
        region=HUNAN, url=receiver.url, filters={"domains": ["food_drug"]}
    )
    assert made.status_code == 201, made.json_body
    other = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url, filters={})
    assert other.status_code == 201, other.json_body
    entry = recent_entry(
        origin_region=COUNTY,
        deciding_authority="长沙市芙蓉区人民法院",
        decision_number="(2026)湘0102执1号",
    )
    lid = pushed(gateway, hunan, HUNAN, entry)
    fan_out_and_deliver(aws, stream)
    body = {"objection_id": "o-1", "reason": "已履行"}
    filed = life.post(listing_path(CREDIT_CODE, lid) + "/objections", body, guangdong)
    assert filed.status_code == 201, filed.json_body
    delivered = fan_out_and_deliver(aws, stream)
    to_hunan = [d.type for d in delivered if d.subscription_id == made.json_body["subscription_id"]]
    assert to_hunan == ["objection.filed"]  # the notice alone reached Hunan
    fan_out_event(aws, stream.event())

    def upward() -> dict[str, Any]:
        [line] = life.stats(COUNTY, this_month()).json_body["upward"]
        return {k: line[k] for k in ("due", "reported_on_time", "late")}

    live = upward()
    assert live["reported_on_time"] == 0, live  # the live path: a notice is no arrival

    run_rebuild(gateway, this_month())
    fan_out_event(aws, stream.event())  # what the rebuild noted, counted by the stream

    assert upward() == live
