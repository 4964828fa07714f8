"""The feedback rate's deliveries, through the routes: neither a removal's delivery nor a
purge's tombstone is counted (no feedback can be kept about them: 422 / 410), live or rebuilt;
before, they held the month's rate below what any subscriber could reach (review 202)."""

from __future__ import annotations

import json
from datetime import timedelta

from app_support import CITY, HUNAN, hunan_recognises_city
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)

from chalicelib import bootstrap
from gateway_client.contract import ChangeType
from gateway_client.contract.clock import FixedClock


def test_neither_a_removal_nor_a_tombstone_is_counted_as_awaiting_feedback(  # type: ignore[no-untyped-def]
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        conduct_ended_on=(china_today() - timedelta(days=6 * 366)).isoformat(),
    )
    pushed(gateway, city, CITY, person)
    assert len(fan_out_and_deliver(aws, stream)) == 1
    removed = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert removed.json_body["removed"] == 1
    assert len(fan_out_and_deliver(aws, stream)) == 1
    month = life.stats(CITY, f"{china_today():%Y-%m}").json_body["feedback"]
    assert [(f["deliveries"], f["with_feedback"]) for f in month] == [(1, 0)]  # the listing
    purge_at = china_noon(china_today() + timedelta(days=400))  # evidence window passed
    assert life.tick(purge_at).json_body["purged"] == 1
    bootstrap.override_clock(FixedClock(purge_at))
    [tombstone] = fan_out_and_deliver(aws, stream)
    assert tombstone.change.type is ChangeType.PURGED
    measure = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": purge_at.date().isoformat(),
        "result": "not_applicable",
    }
    body = json.dumps({"delivery_id": tombstone.delivery_id, "measures": [measure]}).encode()
    answered = gateway.post_signed("/v1/feedback", hunan, None, body, purge_at)
    assert answered.status_code == 410  # no feedback can ever be kept about it

    later = life.stats(CITY, f"{purge_at:%Y-%m}").json_body["feedback"]

    assert later == [], later  # the tombstone is not counted
