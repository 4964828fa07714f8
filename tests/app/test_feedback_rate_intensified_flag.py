"""Review 341: a ``subject.intensified`` flag is no delivery of a listing to act on: it carries,
for the subscription's filters, the very change its ``listing.changed`` delivery already
carried (or a listing restated), with the same recognition and measures — nothing new to
execute. Yet the delivery handler counted it among the feedback rate's deliveries, so a
subscriber that answered every listing it was delivered showed a rate below 100 % whenever a
subject's flag flipped. Review 347: a report on the flag was accepted, answered nothing, and
barred the report on the listing's own delivery (``already_reported``); it is refused now."""

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


class TwoDomains:
    """湖南 subscribed to 七台河's listings; one subject listed in two domains (so flagged for
    intensified punishment), every delivery made."""

    def __init__(self, gateway: Gateway, aws: Any, stream: Any, receiver: Any) -> None:
        self.gateway = gateway
        gateway.put_region(HUNAN)
        assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
        hunan_recognises_city(gateway)
        city = gateway.register_platform(CITY)
        self.hunan = gateway.register_platform(HUNAN)
        pushed(gateway, city, CITY, recent_entry())  # court_defaulter, serious
        food = recent_entry(
            domain="food_drug",
            deciding_authority="七台河市市场监督管理局",
            decision_number="七市监罚〔2026〕1号",
            reason="生产销售不符合食品安全标准的食品",
            legal_basis="《食品安全法》第一百二十四条",
        )
        pushed(gateway, city, CITY, food)
        self.delivered = fan_out_and_deliver(aws, stream)

    def of_type(self, kind: str) -> list[str]:
        return [d.delivery_id for d in self.delivered if d.type == kind]

    def report(self, delivery_id: str) -> Any:
        measure = {
            "measure_id": "key_supervision",
            "department": "各行业主管部门",
            "executed_on": china_today().isoformat(),
            "result": "executed",
        }
        body = json.dumps({"delivery_id": delivery_id, "measures": [measure]}).encode()
        return self.gateway.post_signed("/v1/feedback", self.hunan, None, body)

    def rate(self) -> list[tuple[int, int]]:
        month = Lifecycle(self.gateway).stats(CITY, f"{china_today():%Y-%m}").json_body
        return [(f["deliveries"], f["with_feedback"]) for f in month["feedback"]]


def test_a_subscriber_answering_every_listing_has_a_full_feedback_rate(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    world = TwoDomains(gateway, aws, stream, receiver)
    assert len(world.of_type("subject.intensified")) == 1

    for delivery_id in world.of_type("listing.changed"):
        answer = world.report(delivery_id)
        assert answer.status_code == 201, answer.json_body

    # both listings delivered, both answered: the flag is no third listing to answer
    assert world.rate() == [(2, 2)]


def test_a_report_on_the_flag_is_refused_and_leaves_the_rate_answerable(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    world = TwoDomains(gateway, aws, stream, receiver)
    [flag] = world.of_type("subject.intensified")

    first = world.report(flag)  # the flag, answered as it came
    listings = [world.report(x).status_code for x in world.of_type("listing.changed")]

    assert (first.status_code, first.json_body["error"]["code"]) == (409, "not_a_listing_delivery")
    assert first.json_body["error"]["path"] == "delivery_id"
    assert listings == [201, 201]
    assert world.rate() == [(2, 2)]
