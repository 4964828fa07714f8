"""A subscription delivered a listing in full, recognised under an agreement, whose filters
were narrowed since, is told when the agreement ends (review 271): it holds the listing as
recognised, with measures and a person's ID numbers in full, as fan-out owes a listing's end
to every subscription it went to. One never delivered it is not told."""

from __future__ import annotations

from typing import Any

from app_support import (
    CITY,
    HUNAN,
    black_entry,
    end_agreement,
    hunan_recognises_city,
    queued_messages,
    reevaluate,
)
from delivery_support import subscribe
from lifecycle_support import fan_out_and_deliver
from test_verify_log_terms import patched


def _ended(gateway: Any, aws: Any) -> list[tuple[str, str, bool]]:
    listed = gateway.client.http.get(f"/v1/agreements?subscriber={HUNAN}").json_body
    [agreement] = listed["agreements"]
    assert end_agreement(gateway, agreement["agreement_id"]).status_code == 200
    reevaluate(aws)
    told = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    return [(d.subscription_id, d.type, d.recognition.recognised) for d in told]


def test_ending_an_agreement_tells_a_past_recipient_whose_filters_narrowed(
    gateway, aws, stream, receiver
):
    hunan_recognises_city(gateway)
    reevaluate(aws)
    city = gateway.register_platform(CITY)
    sid = subscribe(gateway, receiver.url)["subscription_id"]
    assert gateway.push(city, CITY, [black_entry()]).status_code == 200
    [first] = fan_out_and_deliver(aws, stream)
    assert first.subscription_id == sid
    assert first.recognition.recognised

    patched(gateway, sid, {"filters": {"domains": ["food_drug"]}})  # court_defaulter out now

    assert _ended(gateway, aws) == [(sid, "recognition.changed", False)]


def test_a_subscription_never_delivered_the_listing_is_not_told(gateway, aws, stream, receiver):
    hunan_recognises_city(gateway)
    reevaluate(aws)
    city = gateway.register_platform(CITY)
    sid = subscribe(gateway, receiver.url)["subscription_id"]
    other = subscribe(gateway, receiver.url, filters={"domains": ["food_drug"]})
    assert gateway.push(city, CITY, [black_entry()]).status_code == 200
    [first] = fan_out_and_deliver(aws, stream)
    assert first.subscription_id == sid

    patched(gateway, sid, {"filters": {"domains": ["food_drug"]}})

    told = _ended(gateway, aws)
    assert told == [(sid, "recognition.changed", False)]
    assert other["subscription_id"] not in {s for s, _, _ in told}
