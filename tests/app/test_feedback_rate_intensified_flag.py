"""Review 341: a ``subject.intensified`` flag is no delivery of a listing to act on: it carries,
for the subscription's filters, the very change its ``listing.changed`` delivery already
carried (or a listing restated), with the same recognition and measures — nothing new to
execute. Yet the delivery handler counted it among the feedback rate's deliveries
(``_count_delivered`` excludes only notices and ``asks_feedback``'s changes), so a subscriber
that answered every listing it was delivered shows a rate below 100 % whenever a subject's
flag flipped: the README counts "the deliveries made in the month that list a listing in
force", each change once."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, HUNAN, Gateway, hunan_recognises_city
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    pushed,
    recent_entry,
)


def test_a_subscriber_answering_every_listing_has_a_full_feedback_rate(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry())  # court_defaulter, serious
    pushed(
        gateway,
        city,
        CITY,
        recent_entry(
            domain="food_drug",
            deciding_authority="七台河市市场监督管理局",
            decision_number="七市监罚〔2026〕1号",
            reason="生产销售不符合食品安全标准的食品",
            legal_basis="《食品安全法》第一百二十四条",
        ),
    )
    delivered = fan_out_and_deliver(aws, stream)
    kinds = sorted(d.type for d in delivered)
    assert kinds == ["listing.changed", "listing.changed", "subject.intensified"], kinds

    for d in delivered:
        if d.type != "listing.changed":
            continue
        measure = {
            "measure_id": "key_supervision",
            "department": "各行业主管部门",
            "executed_on": china_today().isoformat(),
            "result": "executed",
        }
        body = json.dumps({"delivery_id": d.delivery_id, "measures": [measure]}).encode()
        answer = gateway.post_signed("/v1/feedback", hunan, None, body)
        assert answer.status_code == 201, answer.json_body

    month = life.stats(CITY, f"{china_today():%Y-%m}").json_body["feedback"]

    # both listings delivered, both answered: the flag is no third listing to answer
    assert [(f["deliveries"], f["with_feedback"]) for f in month] == [(2, 2)], month
