"""The feedback rate counts "the deliveries made in the month that list a listing in force"
(README, Statistics; review 275: a suspension gives nothing to execute, so it
asks no feedback). A delivery of a listing that is suspended for an objection — an update its
owner pushed meanwhile — lists a listing NOT in force (IN_FORCE is ACTIVE only; feedback on it
is refused ``measures_suspended``), and was counted among the subscriber's deliveries (review
321)."""

from __future__ import annotations

from app_support import CITY, CREDIT_CODE, HUNAN
from lifecycle_support import Lifecycle, fan_out_and_deliver, recent_entry, stamp, this_month
from test_feedback_and_stats_routes import subscribe


def test_a_delivery_of_a_suspended_listing_is_not_in_the_feedback_rate(
    gateway, aws, stream, receiver
):  # type: ignore[no-untyped-def]
    life = Lifecycle(gateway)
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    entry = recent_entry(decision_number="(2026)黑09执1号")
    lid = gateway.push(city, CITY, [entry]).json_body["outcomes"][0]["listing_id"]
    fan_out_and_deliver(aws, stream)  # listed, in force: one delivery asking feedback
    assert life.file_objection(CREDIT_CODE, lid, "obj-1", city).status_code == 201
    [suspension] = fan_out_and_deliver(aws, stream)
    assert suspension.change.listing.status.value == "suspended"
    update = {**entry, "reason": "更正后的事由", "source_updated_at": stamp(1)}
    assert gateway.push(city, CITY, [update]).json_body["accepted"] == 1
    [updated] = fan_out_and_deliver(aws, stream)
    assert updated.change.listing.status.value == "suspended"  # not in force
    refused = life.post_feedback(hunan, updated.delivery_id)
    assert refused.status_code == 409  # nothing to execute on it: measures suspended

    [rate] = life.stats(CITY, this_month()).json_body["feedback"]

    assert rate["deliveries"] == 1, rate  # only the delivery of the listing in force
