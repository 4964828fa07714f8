"""安全生产's own period (3 years) and repair wait (1 year) are 安全生产严重失信's (DESIGN §4b):
a general listing in the domain has its severity's, as in any other domain (review 126)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, black_entry
from lifecycle_support import Lifecycle, add_months, china_today, pushed

from chalicelib import bootstrap


@pytest.fixture
def life(gateway: Gateway) -> Iterator[Lifecycle]:
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def work_safety_general(valid_from: date, **overrides: Any) -> dict[str, Any]:
    """A *general* (一般) work-safety listing: not 安全生产严重失信."""
    return black_entry(
        **{
            "domain": "work_safety",
            "severity": "general",
            "reason": "未按规定开展安全生产教育培训",
            "legal_basis": "《安全生产法》第九十七条",
            "deciding_authority": "七台河市应急管理局",
            "decision_number": "七应急罚〔2026〕7号",
            "decided_on": valid_from.isoformat(),
            "valid_from": valid_from.isoformat(),
            "source_updated_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            **overrides,
        }
    )


# --- DESIGN §4b: general dishonesty published >= 3 months and <= 1 year --------------------


def test_general_work_safety_listing_may_be_repaired_after_three_months(
    gateway: Gateway, life: Lifecycle
) -> None:
    """DESIGN §4b: general dishonesty is published >= 3 months; repair may be requested after
    the minimum. The 1-year repair wait is for 安全生产*严重*失信 only."""
    city = gateway.register_platform(CITY)
    start = add_months(china_today(), -4)
    listing_id = pushed(gateway, city, CITY, work_safety_general(start))

    repaired = life.repair(city, CREDIT_CODE, listing_id)

    assert repaired.status_code == 200, repaired.json_body


def test_general_work_safety_listing_is_published_no_longer_than_a_year(
    gateway: Gateway,
) -> None:
    """DESIGN §4b: general dishonesty published <= 1 year; the domain's 3 years are for
    安全生产严重失信. A two-year period for a general listing must be refused."""
    city = gateway.register_platform(CITY)
    start = china_today() - timedelta(days=10)
    entry = work_safety_general(start, valid_until=add_months(start, 24).isoformat())

    reply = gateway.push(city, CITY, [entry])

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 0, reply.json_body
    assert [e["code"] for e in reply.json_body["errors"]] == ["period_too_long"]


def test_general_work_safety_listing_defaults_to_one_year(gateway: Gateway) -> None:
    """DESIGN §4b: without valid_until, the default is the severity's maximum (general: 1 year).
    A general listing 13 months old has ended: pushing it is ``period_ended``."""
    city = gateway.register_platform(CITY)
    start = add_months(china_today(), -13)

    reply = gateway.push(city, CITY, [work_safety_general(start)])

    assert reply.status_code == 200, reply.json_body
    assert [e["code"] for e in reply.json_body["errors"]] == ["period_ended"], reply.json_body


def test_a_serious_one_keeps_the_domain_s_three_years_and_year_long_wait(
    gateway: Gateway, life: Lifecycle
) -> None:
    city = gateway.register_platform(CITY)
    start = add_months(china_today(), -4)
    entry = work_safety_general(
        start, severity="serious", valid_until=add_months(start, 30).isoformat()
    )
    listing_id = pushed(gateway, city, CITY, entry)

    repaired = life.repair(city, CREDIT_CODE, listing_id)

    assert (repaired.status_code, repaired.json_body["error"]["code"]) == (409, "repair_too_early")
