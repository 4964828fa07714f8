"""A black listing is published no longer than its domain's period or, without one, its
severity's longest publicity (DESIGN §4b: general ≤ 1 year, severe ≤ 3 years; at the maximum a
listing expires by itself): a pushed ``valid_until`` past it is refused per entry, so neither
joint punishment nor a person's data outlives it (review 110 F1)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from builders import ABSENT, entry, listing, red_entry

from gateway.intake import validate_entries
from gateway.lifecycle.retention import retention_start
from gateway.lifecycle.rules import expire
from gateway_client.contract import effective_valid_until

TODAY = date(2025, 6, 2)
VALID_FROM = "2025-03-02"


def food_drug(**fields: Any) -> dict[str, Any]:
    return entry(
        **{
            "domain": "food_drug",
            "reason": "生产销售不符合食品安全标准的食品",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
            "deciding_authority": "清远市市场监督管理局",
            "decision_number": "清市监罚〔2025〕7号",
            **fields,
        }
    )


def errors_of(raw: dict[str, Any]) -> list[tuple[str, str]]:
    _, errors = validate_entries([raw], TODAY)
    return [(e.field, e.code) for e in errors]


@pytest.mark.parametrize(
    ("severity", "longest"),
    [("general", "2026-03-02"), ("relatively_serious", "2027-03-02"), ("serious", "2028-03-02")],
)
def test_a_period_up_to_the_severitys_longest_is_taken_and_a_day_more_refused(
    severity: str, longest: str
) -> None:
    day_after = date.fromisoformat(longest).replace(day=3).isoformat()
    assert errors_of(food_drug(severity=severity, valid_until=longest)) == []
    assert errors_of(food_drug(severity=severity, valid_until=day_after)) == [
        ("valid_until", "period_too_long")
    ]
    assert errors_of(food_drug(severity=severity, valid_until="2199-12-31")) == [
        ("valid_until", "period_too_long")
    ]


def test_a_domain_with_its_own_period_is_held_to_it_whatever_the_severity() -> None:
    tax = {"domain": "major_tax_violation", "severity": "general"}
    assert errors_of(food_drug(**tax, valid_until="2028-03-02")) == []
    assert errors_of(food_drug(**tax, valid_until="2028-03-03")) == [
        ("valid_until", "period_too_long")
    ]


@pytest.mark.parametrize("severity", ["general", "relatively_serious", "serious"])
def test_without_a_period_of_its_own_a_listing_holds_for_the_longest(severity: str) -> None:
    held = listing(food_drug(severity=severity, valid_until=ABSENT))
    longest = {"general": 12, "relatively_serious": 24, "serious": 36}[severity]
    assert effective_valid_until(held) == date(2025 + longest // 12, 3, 2)


def test_a_red_listing_has_no_such_limit() -> None:
    assert errors_of(red_entry(valid_until="2035-03-02")) == []


def test_a_listing_stored_before_the_rule_with_a_longer_period_ends_at_the_longest() -> None:
    """Held as stored (no input rule judges it again), it expires at its longest period, and
    its retention counts from there (review 114 F4)."""
    stored = listing(food_drug(severity="general", valid_until="2030-03-02"))
    assert stored.valid_until == date(2030, 3, 2)
    assert effective_valid_until(stored) == date(2026, 3, 2)


def test_its_retention_counts_from_the_longest_period_however_late_it_was_expired() -> None:
    """Expired by the tick years after its longest period ended (stored before the rule, the
    due backfill not yet run), a person's data is kept five years from that period's end, not
    from the late expiry (review 117 F7)."""
    stored = listing(food_drug(severity="general", valid_until="2030-03-02"))
    late = expire(stored, datetime(2028, 6, 1, 12, 0, tzinfo=UTC))
    assert retention_start(late) == date(2026, 3, 2)
    on_time = expire(stored, datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    assert retention_start(on_time) == date(2026, 3, 2)
