"""Review 351: a ``subject.intensified`` flag may carry a counted listing *restated* (``Flip.
offered``), one whose ``listing.changed`` never reached the subscription (listed before it
subscribed, or the tipping change outside its filters). Review 347 refuses every report on a
flag as 409 not_a_listing_delivery, "measures are reported against that delivery" — but the
subscription holds no delivery of that listing: its executed measures can be reported nowhere."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, HUNAN, Gateway, hunan_recognises_city
from lifecycle_support import china_today, fan_out_and_deliver, pushed, recent_entry

import app as gateway_app


def test_a_flag_that_alone_brought_a_listing_takes_its_report(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    gateway.put_region(HUNAN)
    hunan_recognises_city(gateway)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    court = pushed(gateway, city, CITY, recent_entry())  # court_defaulter, before the subscription
    gateway_app.fan_out_changes(stream.event(), None)  # no subscriber yet
    made = gateway.subscribe_as_operator(
        region=HUNAN, url=receiver.url, filters={"domains": ["court_defaulter"]}
    )
    assert made.status_code == 201, made.json_body
    food = recent_entry(
        domain="food_drug",
        deciding_authority="七台河市市场监督管理局",
        decision_number="七市监罚〔2026〕1号",
        reason="生产销售不符合食品安全标准的食品",
        legal_basis="《食品安全法》第一百二十四条",
    )
    pushed(gateway, city, CITY, food)
    delivered = fan_out_and_deliver(aws, stream)

    [flag] = delivered  # the flag alone: the food listing is outside the filters
    assert flag.type == "subject.intensified"
    assert flag.change.listing.listing_id == court  # the court listing, restated
    measure = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": china_today().isoformat(),
        "result": "executed",
    }
    body = json.dumps({"delivery_id": flag.delivery_id, "measures": [measure]}).encode()
    answer = gateway.post_signed("/v1/feedback", hunan, None, body)

    assert answer.status_code == 201, answer.json_body
