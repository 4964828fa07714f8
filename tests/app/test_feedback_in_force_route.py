"""Review 83 F1, over the route: a region reported a measure executed ten days after the owner
repaired the listing; it was kept (201) and counted as a case of the month. Now 409
``listing_not_in_force`` at ``measures.0.executed_on``, nothing kept, nothing counted."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import time_machine
from app_support import CITY, CREDIT_CODE, HUNAN, hunan_recognises_city
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    now,
    pushed,
    recent_entry,
    this_month,
)


def executed(life: Lifecycle, signer: Any, delivery_id: str, day: date) -> Any:
    measure = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "result": "executed",
    }
    body = {"delivery_id": delivery_id, "measures": [{**measure, "executed_on": day.isoformat()}]}
    return life.post("/v1/feedback", body, signer)


def test_a_measure_executed_after_the_repair_is_refused_and_not_counted(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    listing_id = pushed(gateway, city, CITY, recent_entry(days_ago=60))
    [listed] = fan_out_and_deliver(aws, stream)
    assert life.repair(city, CREDIT_CODE, listing_id).status_code == 200
    repaired_on = china_today()
    fan_out_and_deliver(aws, stream)

    with time_machine.travel(now() + timedelta(days=10), tick=True):
        late = executed(life, hunan, listed.delivery_id, china_today())
        on_time = executed(life, hunan, listed.delivery_id, repaired_on - timedelta(days=1))
        cases = life.stats(CITY, this_month()).json_body["cases"]

    assert late.status_code == 409, late.json_body
    error = late.json_body["error"]
    assert (error["code"], error["path"]) == ("listing_not_in_force", "measures.0.executed_on")
    assert on_time.status_code == 201, on_time.json_body
    assert cases["total"] == 1  # the one executed while the listing was in force
    kept = life.get(f"/v1/subjects/{CREDIT_CODE}/listings/{listing_id}/feedback", city)
    assert [f["measures"][0]["executed_on"] for f in kept.json_body["feedback"]] == [
        (repaired_on - timedelta(days=1)).isoformat()
    ]


def test_a_measure_executed_on_the_listing_s_end_day_is_refused(gateway, aws, stream, receiver):
    """From the first moment of its end day the listing is expired, as the tick and lookups
    read it: nothing in force that day to execute a measure on (review 126)."""
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    ends = china_today() + timedelta(days=1)
    pushed(gateway, city, CITY, recent_entry(days_ago=60, valid_until=ends.isoformat()))
    [listed] = fan_out_and_deliver(aws, stream)

    with time_machine.travel(now() + timedelta(days=1), tick=True):
        on_the_end_day = executed(life, hunan, listed.delivery_id, ends)
        the_day_before = executed(life, hunan, listed.delivery_id, ends - timedelta(days=1))

    assert on_the_end_day.status_code == 409, on_the_end_day.json_body
    assert on_the_end_day.json_body["error"]["code"] == "listing_not_in_force"
    assert the_day_before.status_code == 201, the_day_before.json_body
