"""Seed 002 §六(七): 涉及个人的信用记录在失信行为终止之日起失信记录只保留5年. A court defaulter's
dishonest conduct (拒不履行) ends on the day the obligation was performed (``performed_on``,
pushed with the ``performed`` removal, or the operator's correction of it), and the person's
retention counts from that day — review 377: from the day the removal reached the gateway, so a
removal pushed months late kept the person's name and ID number that many months too long."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app_support import CITY
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)


def test_a_court_defaulters_retention_counts_from_the_day_performed(
    gateway: Any, aws: Any, stream: Any
) -> None:
    city = gateway.register_platform(CITY)
    person = recent_entry(days_ago=400, credit_code=PERSON_CODE, subject_name="黄某某")
    pushed(gateway, city, CITY, person)
    fan_out_and_deliver(aws, stream)
    performed_on = china_today() - timedelta(days=300)  # the court's notice came late
    removal = removal_of(person, "performed", performed_on=performed_on.isoformat())
    removed = push_with_removals(gateway, city, CITY, [removal])
    assert removed.json_body["removed"] == 1, removed.json_body
    fan_out_and_deliver(aws, stream)

    # five years after the conduct ended, then a day more (the evidence window of the removal's
    # raw push, 365 + 4 days, is long over by then)
    kept = Lifecycle(gateway).tick(china_noon(add_months(performed_on, 60) - timedelta(days=1)))
    at = china_noon(add_months(performed_on, 60) + timedelta(days=1))
    tick = Lifecycle(gateway).tick(at)

    assert kept.json_body["purged"] == 0, kept.json_body
    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 1, tick.json_body


def test_the_operators_correction_of_the_day_performed_moves_the_retention_too(
    gateway: Any, aws: Any, stream: Any
) -> None:
    """The day typed wrong on the owner's removal, corrected by the operator on the court's
    word (``…/performance``): the retention counts from the corrected day."""
    city = gateway.register_platform(CITY)
    person = recent_entry(days_ago=400, credit_code=PERSON_CODE, subject_name="黄某某")
    listing_id = pushed(gateway, city, CITY, person)
    typed = china_today() - timedelta(days=1)
    removal = removal_of(person, "performed", performed_on=typed.isoformat())
    assert push_with_removals(gateway, city, CITY, [removal]).json_body["removed"] == 1
    fan_out_and_deliver(aws, stream)
    performed_on = china_today() - timedelta(days=300)
    life = Lifecycle(gateway)
    corrected = life.post(
        f"/v1/subjects/{PERSON_CODE}/listings/{listing_id}/performance",
        {"performed_on": performed_on.isoformat(), "note": "执行法院来函：履行日期录入有误"},
    )
    assert corrected.status_code == 200, corrected.json_body
    fan_out_and_deliver(aws, stream)

    at = china_noon(add_months(performed_on, 60) + timedelta(days=1))
    tick = life.tick(at)

    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 1, tick.json_body
