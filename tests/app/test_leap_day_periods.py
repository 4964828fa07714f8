"""A period counted in months from 29 February (review 198): a general black listing runs 12
months from valid_from, so one from 29 February 2024 is in force through 28 February 2025 and
stops on 1 March 2025 (``months_after``) — it was expired a day early, and a platform naming
the full year (``valid_until`` 2025-03-01) was refused ``period_too_long``."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import time_machine
from app_support import CITY, Gateway, black_entry
from lifecycle_support import Lifecycle

from gateway_client.contract.clock import CHINA


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
