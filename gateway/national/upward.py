"""Upward reporting (向上报送): which listings must reach a higher platform, and how soon.

Lists move county → city → province → nation: seed 001 二(四)2 shares Hunan's lists with the
national ministries, seed 004 二(二)2 sends Huangshi's to "信用湖北" and "信用中国". A deployment
names, per rule, the platform that must receive (the nation 100000, or a province), which kinds
/ domains / severities, and the hours it may take; "received" means delivered to a subscription
of that platform (the delivery log's delivered time).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field, field_validator

from gateway_client.contract import (
    NO_JURISDICTION,
    DomainKeys,
    Frozen,
    Listing,
    ListKind,
    RegionCode,
    Severity,
    is_national_source,
    judged_severity,
    jurisdiction_exists,
    within,
)

MAX_HOURS = 24 * 28  # every month has 28 days: a deadline never passes the next month's end
RuleName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class UpwardRule(Frozen):
    """Listings of ``target``'s subtree (its own aside) that must reach ``target`` in time."""

    rule: RuleName
    target: RegionCode = Field(
        description="the nation (100000) or a region that exists; not a source"
    )
    kinds: tuple[ListKind, ...] = Field(default=(), description="empty: every kind")
    domains: DomainKeys = Field(default=(), description="empty: every domain")
    severities: tuple[Severity, ...] = Field(
        default=(), description="black listings of these severities only; empty: any listing"
    )
    within_hours: int = Field(
        ge=1,
        le=MAX_HOURS,
        description="from first acceptance (listed_at); at most 28 days, so a listing due in "
        "one month is settled by the end of the next",
    )

    @field_validator("target")
    @classmethod
    def _a_jurisdiction(cls, target: str) -> str:
        """The nation or a division that exists, not a source: a typo would leave every listing
        below it owed to no one and counted missing for good (review 196)."""
        if is_national_source(target):
            raise ValueError("a national source (1000NN) lists; it is no reporting target")
        if not jurisdiction_exists(target):
            raise ValueError(NO_JURISDICTION)
        return target

    def applies_to(self, listing: Listing) -> bool:
        """A listing a region below the target owes it: not the target's own, nor a national
        source's (1000NN lie in the nation's subtree, but report to no one: review 150)."""
        return (
            listing.origin_region != self.target
            and not is_national_source(listing.origin_region)
            and within(listing.origin_region, self.target)
            and (not self.kinds or listing.kind in self.kinds)
            and (not self.domains or listing.domain in self.domains)
            and (not self.severities or judged_severity(listing) in self.severities)
        )

    def deadline(self, listing: Listing) -> datetime:
        return (listing.listed_at or listing.accepted_at) + timedelta(hours=self.within_hours)


class UpwardReporting(Frozen):
    """``CG_UPWARD_REPORTING``: the deployment's rules (none by default)."""

    rules: tuple[UpwardRule, ...] = Field(default=(), max_length=50)

    @field_validator("rules")
    @classmethod
    def _one_name_each(cls, rules: tuple[UpwardRule, ...]) -> tuple[UpwardRule, ...]:
        names = [r.rule for r in rules]
        if len(set(names)) != len(names):
            raise ValueError("each upward rule needs its own name")
        return rules
