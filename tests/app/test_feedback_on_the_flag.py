"""Review 347: review 341 left the subject.intensified flag out of the feedback rate on the
ground that "a report on it is already_reported". That holds only when the listing.changed
delivery is answered first. A report on the flag was accepted (201), as a case only,
answering nothing, and a report of the same measure on the listing's own delivery was then
refused as already_reported: a subscriber stuck below 100 % for good. A report on the flag is
now refused (409 not_a_listing_delivery), and nothing of it kept."""

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

MEASURE = {
    "measure_id": "key_supervision",
    "department": "各行业主管部门",
    "result": "executed",
}


def test_a_report_on_the_flag_first_leaves_the_rate_answerable(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry())
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
    measure = {**MEASURE, "executed_on": china_today().isoformat()}

    def report(delivery_id: str) -> Any:
        body = json.dumps({"delivery_id": delivery_id, "measures": [measure]}).encode()
        return gateway.post_signed("/v1/feedback", hunan, None, body)

    flags = [d for d in delivered if d.type == "subject.intensified"]
    assert len(flags) == 1
    first = report(flags[0].delivery_id)  # the flag, answered as it came
    statuses = {"flag": first.status_code}
    for d in delivered:
        if d.type == "listing.changed":
            statuses[d.delivery_id] = report(d.delivery_id).status_code

    month = life.stats(CITY, f"{china_today():%Y-%m}").json_body["feedback"]
    answered = [(f["deliveries"], f["with_feedback"]) for f in month]
    assert (first.status_code, first.json_body["error"]["code"]) == (409, "not_a_listing_delivery")
    assert first.json_body["error"]["path"] == "delivery_id"
    assert sorted(statuses.values()) == [201, 201, 409], statuses
    assert answered == [(2, 2)], (statuses, answered)
