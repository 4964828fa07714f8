"""Upward reporting (向上报送): the rules a deployment sets and the on-time share they yield.

Seed 004 二(二)2 sends Huangshi's lists to "信用湖北" and "信用中国"; seed 001 二(四)2 shares
Hunan's with the national ministries. A rule names the receiving platform, what it must receive
and within how many hours; the month's statistics count, per rule, what was due, what arrived
on time, late, not at all (missing) or may still arrive (pending).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from builders import entry, listing, make_uscc
from pydantic import ValidationError

from gateway.delivery.records import DeliveryRecord, DeliveryState
from gateway.national import UpwardReporting, UpwardRule
from gateway.statistics.monthly import Month
from gateway.statistics.upward import UpwardShare, upward_shares
from gateway_client.contract.listing import Listing

NATION, CHANGSHA, WUHAN = "100000", "430100", "420100"
OCTOBER = Month(2026, 10)
LISTED = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
RULE = UpwardRule(
    rule="court-to-nation",
    target=NATION,
    kinds=("black",),
    domains=("court_defaulter",),
    within_hours=24,
)


def rule(**fields: Any) -> dict[str, Any]:
    return {"rule": "court-to-nation", "target": NATION, "within_hours": 24} | fields


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        pytest.param([rule(target="100001")], "rules.0.target", id="a-source-is-no-target"),
        pytest.param([rule(target="1000")], "rules.0.target", id="not-a-code"),
        pytest.param([rule(within_hours=0)], "rules.0.within_hours", id="no-time"),
        pytest.param([rule(within_hours=24 * 28 + 1)], "rules.0.within_hours", id="over-28-days"),
        pytest.param([rule(domains=["nope"])], "rules.0.domains", id="unknown-domain"),
        pytest.param([rule(kinds=["grey"])], "rules.0.kinds.0", id="unknown-kind"),
        pytest.param([rule(severities=["awful"])], "rules.0.severities.0", id="unknown-severity"),
        pytest.param([rule(rule="Has Spaces")], "rules.0.rule", id="bad-name"),
        pytest.param([rule(), rule()], "rules", id="same-name-twice"),
        pytest.param([rule(deadline=3)], "rules.0.deadline", id="unknown-field"),
    ],
)
def test_an_invalid_rule_is_refused_naming_its_field(rules: list[Any], path: str) -> None:
    with pytest.raises(ValidationError) as refused:
        UpwardReporting.model_validate({"rules": rules})
    assert [".".join(map(str, e["loc"])) for e in refused.value.errors()] == [path]


def test_a_province_may_be_a_target_as_well_as_the_nation() -> None:
    config = UpwardReporting.model_validate(
        {"rules": [rule(), rule(rule="to-hubei", target="420000")]}
    )
    assert [r.target for r in config.rules] == [NATION, "420000"]


def court(n: int, origin: str = CHANGSHA, listed: datetime = LISTED, **fields: Any) -> Listing:
    raw = entry(credit_code=make_uscc(n, f"91{origin}"), **fields)
    return listing(raw, region=origin, accepted_at=listed)


def reached(
    held: Listing, subscription: str, at: datetime, state: str = "delivered"
) -> DeliveryRecord:
    return DeliveryRecord(
        delivery_id=f"msg_{held.listing_id}_{subscription}",
        subscription_id=subscription,
        state=DeliveryState(state),
        credit_code=held.credit_code,
        listing_id=held.listing_id,
        origin_region=held.origin_region,
        updated_at=at.isoformat(),
    )


ON_TIME, LATE, ELSEWHERE, FAILED, SILENT = (court(n) for n in range(1, 6))
PENDING = court(6, listed=NOW - timedelta(hours=2))
NOT_COVERED = [
    court(7, domain="food_drug", legal_basis="《食品安全法》第一百三十四条"),  # another domain
    court(8, origin=NATION),  # the target's own listing
    court(9, listed=datetime(2026, 9, 20, tzinfo=UTC)),  # due in September
]
SUBSCRIBERS = {"sub-nation": NATION, "sub-hunan": "430000"}
DELIVERIES = [
    reached(ON_TIME, "sub-nation", LISTED + timedelta(hours=1)),
    reached(ON_TIME, "sub-nation", LISTED + timedelta(hours=30)),  # a later change: first counts
    reached(LATE, "sub-nation", LISTED + timedelta(hours=25)),
    reached(ELSEWHERE, "sub-hunan", LISTED + timedelta(hours=1)),  # not the target
    reached(FAILED, "sub-nation", LISTED + timedelta(hours=1), "dead"),
]


def shares(
    region: str = "430000",
    subscribers: dict[str, str] = SUBSCRIBERS,
    rules: tuple[UpwardRule, ...] = (RULE,),
) -> tuple[UpwardShare, ...]:
    held = [ON_TIME, LATE, ELSEWHERE, FAILED, SILENT, PENDING, *NOT_COVERED]
    return upward_shares(rules, region, held, DELIVERIES, subscribers, OCTOBER.has, NOW)


def test_each_due_listing_is_on_time_late_missing_or_pending() -> None:
    [share] = shares()

    counted = (share.due, share.reported_on_time, share.late, share.missing, share.pending)
    assert counted == (6, 1, 1, 3, 1)
    assert share.share == round(1 / 5, 4)  # on time over what is settled


def test_a_rule_whose_target_has_no_subscription_is_missing_not_on_time() -> None:
    [share] = shares(subscribers={"sub-hunan": "430000"})

    assert (share.reported_on_time, share.missing, share.pending, share.share) == (0, 6, 0, 0.0)


def test_a_region_counts_only_its_own_subtrees_listings() -> None:
    [hubei] = shares(region="420000")

    assert (hubei.due, hubei.share) == (0, None)


def test_a_rule_whose_target_lies_outside_the_region_is_not_reported_there() -> None:
    to_hunan = RULE.model_copy(update={"rule": "to-hunan", "target": "430000"})
    assert [s.rule for s in shares(region="420000", rules=(RULE, to_hunan))] == ["court-to-nation"]


def test_severities_limit_a_rule_to_those_black_listings() -> None:
    general_only = RULE.model_copy(update={"severities": ("general",)})
    [share] = shares(rules=(general_only,))
    assert share.due == 0  # the builder's entries are all serious
