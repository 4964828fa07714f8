"""An objection notice reaches 湖南, which relays 芙蓉区's listing but whose filters leave that
listing out: the notice is no arrival of the listing there, live (review 127) nor in a statistics
rebuild (review 129), and both give the same report."""

from __future__ import annotations

import json
from typing import Any

from app_support import HUNAN, Gateway, Receiver, StreamReader
from lifecycle_support import fan_out_event, this_month
from test_relayed_objection_notice import COUNTY, objected
from test_stats_counters_route import run_rebuild

TO_HUNAN = {"rules": [{"rule": "court-to-province", "target": HUNAN, "within_hours": 24}]}


def test_a_rebuild_does_not_count_a_notice_as_the_listing_s_arrival(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    gateway.configure(upward_reporting=json.dumps(TO_HUNAN))
    # 湖南's subscription takes food_drug listings only: the court listing never reaches it
    only_food = {"domains": ["food_drug"]}
    life, hunan_sub, delivered = objected(gateway, aws, stream, receiver, hunan_filters=only_food)
    to_hunan = [d.type for d in delivered if d.subscription_id == hunan_sub]
    assert to_hunan == ["objection.filed"]  # the notice alone reached it
    fan_out_event(aws, stream.event())

    def upward() -> dict[str, Any]:
        [line] = life.stats(COUNTY, this_month()).json_body["upward"]
        return {k: line[k] for k in ("due", "reported_on_time", "late")}

    live = upward()
    assert live["reported_on_time"] == 0, live  # the live path: a notice is no arrival

    run_rebuild(gateway, this_month())
    fan_out_event(aws, stream.event())  # what the rebuild noted, counted by the stream

    assert upward() == live
