"""A third region's objection to a listing it was delivered suspends nothing and changes no
content, yet made a new delivery to every subscriber of the listing, each counted in that
subscriber's feedback rate, which it could not answer (one measure on one day is one case): any
recipient could lower every other subscriber's rate at will (review 275). A delivery that tells
only of an objection's step or a suspension now asks no feedback: it is not counted, and a
report against it is 409 ``feedback_not_asked``, nothing kept."""

from __future__ import annotations

from typing import Any

from app_support import (
    CITY,
    GUANGDONG,
    HUNAN,
    Gateway,
    Receiver,
    StreamReader,
    black_entry,
    hunan_recognises_city,
)
from lifecycle_support import Lifecycle, fan_out_and_deliver, listing_path, pushed, this_month


def test_another_regions_objection_asks_no_feedback_and_leaves_the_rate_alone(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    hunan_recognises_city(gateway)
    subscribed = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url, filters={})
    assert subscribed.status_code == 201, subscribed.json_body
    made = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url, filters={})
    assert made.status_code == 201, made.json_body
    hunan_sub = subscribed.json_body["subscription_id"]
    entry = black_entry()
    lid = pushed(gateway, city, CITY, entry)
    [to_hunan] = [d for d in fan_out_and_deliver(aws, stream) if d.subscription_id == hunan_sub]
    assert life.post_feedback(hunan, to_hunan.delivery_id).status_code == 201

    def hunan_rate() -> list[tuple[int, int]]:
        report = life.stats(CITY, this_month()).json_body
        return [
            (f["deliveries"], f["with_feedback"])
            for f in report["feedback"]
            if f["subscriber_region"] == HUNAN
        ]

    assert hunan_rate() == [(1, 1)]
    path = listing_path(entry["credit_code"], lid) + "/objections"
    filed = life.post(path, {"objection_id": "o-1", "reason": "已履行"}, guangdong)
    assert filed.status_code == 201, filed.json_body
    [step] = [d for d in fan_out_and_deliver(aws, stream) if d.subscription_id == hunan_sub]
    assert step.change.type == "objection_filed"

    answer = life.post_feedback(hunan, step.delivery_id)  # the measure it executed

    assert answer.status_code == 409, answer.json_body
    assert answer.json_body["error"]["code"] == "feedback_not_asked"
    assert answer.json_body["error"]["path"] == "delivery_id"
    assert hunan_rate() == [(1, 1)]
