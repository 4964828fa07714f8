"""Review 341: 市场监管's own period (3 years) and repair wait (1 year) are 市场监管*严重违法*失信's
(DESIGN §4b: "市场监管严重违法失信 3 years (repair after 1)"), exactly as 安全生产's are
安全生产严重失信's (review 126, ``test_work_safety_periods``). A *general* market-regulation
listing is general dishonesty: published >= 3 months and <= 1 year, repairable after the
minimum (国办发〔2020〕49号: repair must be possible). The catalogue gave ``market_regulation`` no
``period_severities``, so a general listing waited a whole year (its whole longest period)
before it could be repaired, and was held for 3 years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway, black_entry
from lifecycle_support import Lifecycle, add_months, china_today, pushed


def market_general(valid_from: date, **overrides: Any) -> dict[str, Any]:
    return black_entry(
        **{
            "domain": "market_regulation",
            "severity": "general",
            "reason": "未按规定公示年度报告",
            "legal_basis": "《市场监督管理行政处罚程序规定》",
            "deciding_authority": "七台河市市场监督管理局",
            "decision_number": "七市监罚〔2026〕9号",
            "decided_on": valid_from.isoformat(),
            "valid_from": valid_from.isoformat(),
            "source_updated_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            **overrides,
        }
    )


def test_general_market_regulation_listing_may_be_repaired_after_three_months(
    gateway: Gateway,
) -> None:
    city = gateway.register_platform(CITY)
    listing_id = pushed(gateway, city, CITY, market_general(add_months(china_today(), -4)))

    repaired = Lifecycle(gateway).repair(city, CREDIT_CODE, listing_id)

    assert repaired.status_code == 200, repaired.json_body
    assert repaired.json_body["listing"]["status"] == "repaired"


def test_general_market_regulation_listing_is_published_no_longer_than_a_year(
    gateway: Gateway,
) -> None:
    city = gateway.register_platform(CITY)
    start = china_today() - timedelta(days=10)
    entry = market_general(start, valid_until=add_months(start, 24).isoformat())

    reply = gateway.push(city, CITY, [entry])

    assert reply.status_code == 200, reply.json_body
    assert [e["code"] for e in reply.json_body["errors"]] == ["period_too_long"], reply.json_body
