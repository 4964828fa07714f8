"""A period counted in months from 29 February (review 198): a general black listing runs 12
months from valid_from, so one from 29 February 2024 is in force through 28 February 2025 and
stops on 1 March 2025 (``months_after``) — it was expired a day early, and a platform naming
the full year (``valid_until`` 2025-03-01) was refused ``period_too_long``. So do the three
clean years of the green channel (seed 000 二(一)2) and the five years of retention (seed 002
§六(七)): they ended on 28 February, a day short (review 333)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

import time_machine
from app_support import CITY, CREDIT_CODE, NATURAL_PERSON_CODE, Gateway, black_entry
from lifecycle_support import Lifecycle, push_with_removals, removal_of

from gateway_client.contract.clock import CHINA, china_date


def beijing(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), CHINA)


def leap_entry(number: str, **overrides: object) -> dict[str, object]:
    return black_entry(
        domain="ecology_environment",
        severity="general",
        legal_basis="《环境保护法》第六十三条",
        deciding_authority="七台河市生态环境局",
        decision_number=number,
        decided_on="2024-02-29",
        valid_from="2024-02-29",
        source_updated_at="2024-03-01T09:00:00+08:00",
        **overrides,
    )


def test_a_year_from_29_february_is_in_force_on_28_february(gateway: Gateway) -> None:
    life = Lifecycle(gateway)
    with time_machine.travel(beijing(date(2024, 3, 1)), tick=True):
        signer = gateway.register_platform(CITY)
        pushed = gateway.push(signer, CITY, [leap_entry("七环罚〔2024〕1号")])
        assert pushed.json_body["accepted"] == 1, pushed.json_body
    with time_machine.travel(beijing(date(2025, 2, 28)), tick=True):
        reply = life.lookup(black_entry()["credit_code"])
        assert reply.status_code == 200, reply.json_body
        [view] = reply.json_body["listings"]
        assert view["listing"]["status"] == "active"  # 29 Feb 2024 .. 28 Feb 2025: a year
    with time_machine.travel(beijing(date(2025, 3, 1)), tick=True):
        [view] = life.lookup(black_entry()["credit_code"]).json_body["listings"]
        assert view["listing"]["status"] == "expired"


def test_a_full_year_from_29_february_is_not_too_long(gateway: Gateway) -> None:
    with time_machine.travel(beijing(date(2024, 3, 1)), tick=True):
        signer = gateway.register_platform(CITY)
        entry = leap_entry("七环罚〔2024〕2号", valid_until="2025-03-01")
        pushed = gateway.push(signer, CITY, [entry])
        assert pushed.status_code == 200, pushed.json_body
        assert pushed.json_body["accepted"] == 1, json.dumps(pushed.json_body, ensure_ascii=False)


def red_clean_record(today: date) -> dict[str, Any]:
    return {
        "credit_code": CREDIT_CODE,
        "subject_name": "七台河某某建设工程有限公司",
        "kind": "red",
        "domain": "clean_record_three_years",
        "reason": "连续三年无不良信用记录",
        "deciding_authority": "七台河市发展和改革委员会",
        "decision_number": "七发改信〔2026〕1号",
        "decided_on": (today - timedelta(days=20)).isoformat(),
        "valid_from": (today - timedelta(days=20)).isoformat(),
        "source_updated_at": beijing(today - timedelta(days=1)).isoformat(),
    }


def test_three_clean_years_from_29_february_end_on_1_march(gateway: Gateway) -> None:
    life = Lifecycle(gateway)
    with time_machine.travel(beijing(date(2023, 6, 1)), tick=True):
        city = gateway.register_platform(CITY)
        entry = black_entry(
            domain="ecology_environment",
            severity="general",
            legal_basis="《环境保护法》第六十三条",
            deciding_authority="七台河市生态环境局",
            decision_number="七环罚〔2023〕9号",
            decided_on="2023-06-01",
            valid_from="2023-06-01",
            valid_until="2024-02-29",  # in force through 28 Feb; stopped applying on 29 Feb
            source_updated_at="2023-06-01T09:00:00+08:00",
        )
        assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1
    with time_machine.travel(beijing(date(2024, 3, 1)), tick=True):
        assert life.tick().status_code == 200

    today = china_date(datetime.now(CHINA))
    assert gateway.push(city, CITY, [red_clean_record(today)]).json_body["accepted"] == 1
    view = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={CITY}", city).json_body
    benefits = view["benefits"]

    assert benefits["green_channel"] is False, benefits
    assert benefits["refused_because"] == ["black_listing_ended_within_three_years"], benefits
    # three years from 29 Feb 2024 run through 28 Feb 2027 (as a 3-year period from that day
    # does: months_after); clean from 1 March
    assert benefits["open_from"] == "2027-03-01", benefits


def test_five_years_retention_from_29_february_not_over_on_28_february(gateway: Gateway) -> None:
    """A person's record whose conduct ended 29 Feb 2024 is kept through 28 Feb 2029 and purged
    on 1 March (seed 002 §六(七): 只保留5年, 5年后予以消除 — erased after the five years, as a
    five-year period from that day ends); it was purged a day short."""
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    today = china_date(datetime.now(CHINA))
    entry = black_entry(
        credit_code=NATURAL_PERSON_CODE,
        subject_name="张某某",
        decided_on=(today - timedelta(days=30)).isoformat(),
        valid_from=(today - timedelta(days=30)).isoformat(),
        conduct_ended_on="2024-02-29",
        source_updated_at=(datetime.now(CHINA) - timedelta(hours=1)).isoformat(),
    )
    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1
    removed = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body

    with time_machine.travel(beijing(date(2029, 2, 28)), tick=True):
        ticked = life.tick()
        assert ticked.status_code == 200, ticked.json_body
        # the fifth year's last day: still kept
        assert ticked.json_body["purged"] == 0, ticked.json_body
    with time_machine.travel(beijing(date(2029, 3, 1)), tick=True):
        assert life.tick().json_body["purged"] == 1
