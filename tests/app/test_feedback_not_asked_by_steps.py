"""A third region's objection to a listing it was delivered suspends nothing and changes no
content, yet made a new delivery to every subscriber of the listing, each counted in that
subscriber's feedback rate, which it could not answer (one measure on one day is one case): any
recipient could lower every other subscriber's rate at will (review 275). A delivery that tells
only of an objection's step or a suspension is not in the rate; a report about it is kept, its
measures counted as cases, and does not count as answering — it may be a subscription's first
copy of the listing (review 276)."""

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


def _world(gateway: Gateway, receiver: Receiver) -> tuple[Lifecycle, Any, Any, Any]:
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    hunan_recognises_city(gateway)
    made = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url, filters={})
    assert made.status_code == 201, made.json_body
    return life, city, hunan, guangdong


def _hunan_rate(life: Lifecycle) -> list[tuple[int, int]]:
    report = life.stats(CITY, this_month()).json_body
    return [
        (f["deliveries"], f["with_feedback"])
        for f in report["feedback"]
        if f["subscriber_region"] == HUNAN
    ]


def _objected(life: Lifecycle, guangdong: Any, entry: dict[str, Any], lid: str) -> None:
    path = listing_path(entry["credit_code"], lid) + "/objections"
    filed = life.post(path, {"objection_id": "o-1", "reason": "已履行"}, guangdong)
    assert filed.status_code == 201, filed.json_body


def test_another_regions_objection_leaves_a_subscribers_rate_alone(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life, city, hunan, guangdong = _world(gateway, receiver)
    subscribed = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url, filters={})
    hunan_sub = subscribed.json_body["subscription_id"]
    entry = black_entry()
    lid = pushed(gateway, city, CITY, entry)
    [to_hunan] = [d for d in fan_out_and_deliver(aws, stream) if d.subscription_id == hunan_sub]
    assert life.post_feedback(hunan, to_hunan.delivery_id).status_code == 201
    assert _hunan_rate(life) == [(1, 1)]

    _objected(life, guangdong, entry, lid)
    [step] = [d for d in fan_out_and_deliver(aws, stream) if d.subscription_id == hunan_sub]

    assert step.change.type == "objection_filed"
    assert _hunan_rate(life) == [(1, 1)]


def test_a_first_copy_that_came_with_an_objection_step_is_reported_against(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life, city, hunan, guangdong = _world(gateway, receiver)
    entry = black_entry()
    lid = pushed(gateway, city, CITY, entry)
    fan_out_and_deliver(aws, stream)
    subscribed = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url, filters={})
    hunan_sub = subscribed.json_body["subscription_id"]  # after the listing went out

    _objected(life, guangdong, entry, lid)
    [step] = [d for d in fan_out_and_deliver(aws, stream) if d.subscription_id == hunan_sub]
    answer = life.post_feedback(hunan, step.delivery_id)

    assert answer.status_code == 201, answer.json_body
    stats = life.stats(CITY, this_month()).json_body
    assert stats["cases"]["total"] == 1
    assert _hunan_rate(life) == []  # its one delivery asked no feedback: no rate to give
