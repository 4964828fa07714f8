"""Joint reward and punishment cases (联合奖惩案例) as the seeds count them, and pilot targets.

A case is a measure a region reports it executed (执行反馈, ``result: executed``), in the month
the report was submitted: seed 001 二(四)1 asks implementing departments to act on what is
published, and seed 004 asks pilots to report the cases that followed (二(一)5: 2–3 a month
from the region pilot; 二(二)7: at least one a month from each sector pilot). A new listing is
not a case: nothing has been done about it yet. A region's report counts the cases its subtree
took part in — executed there, or about a listing it published — by executing region and by
sector (the listing's domain); incentives are cases on red listings.

Pilot targets are judged only for the pilots the configuration names (seed 004's by default:
大冶市 as the region pilot, 黄石市's eleven sector pilots), never for other regions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Literal, NamedTuple

from pydantic import Field

from gateway.recognition import Feedback, rewards
from gateway_client.contract import Frozen, Listing, RegionCode, bad_record, within

CASE_DEFINITION = (
    "measures reported executed (POST /v1/feedback, result executed) in reports submitted this "
    "month, executed in this subtree or about a listing it published"
)


class PilotTarget(Frozen):
    kind: Literal["region", "sector"]
    name: str
    region: RegionCode = Field(description="the pilot region, or the city running the sector")
    domains: tuple[str, ...] = Field(default=(), description="a sector pilot's domains")
    min_cases: int = Field(ge=0)
    max_cases: int | None = None
    source: str


class PilotTargets(Frozen):
    source: str
    pilots: tuple[PilotTarget, ...]


@cache
def shipped_pilots() -> PilotTargets:
    raw = resources.files("gateway.data").joinpath("pilot_targets.json").read_text("utf-8")
    return PilotTargets.model_validate(json.loads(raw))


class PilotResult(Frozen):
    pilot: PilotTarget
    cases: int
    meets_target: bool


class Cases(Frozen):
    definition: str = CASE_DEFINITION
    total: int
    punishments: int = Field(description="cases on black listings and poorer grades")
    incentives: int = Field(description="on red listings and better grades: incentives granted")
    by_executing_region: dict[str, int]
    by_sector: dict[str, int] = Field(description="by the listing's domain")
    pilots: tuple[PilotResult, ...] = Field(
        description="the configured pilots inside this subtree, each against its target"
    )


class Case(NamedTuple):
    """Measures executed, counted by what the figures tell apart."""

    executing_region: str
    origin_region: str
    side: str | None  # incentive, punishment, or neither
    domain: str | None  # the listing's; None once the listing was purged
    times: int = 1  # how many such measures


def executed_cases(feedback: Sequence[Feedback], listings: Mapping[str, Listing]) -> list[Case]:
    """One case per measure reported executed, with the listing it was about (if still held)."""
    cases = []
    for report in feedback:
        listing = listings.get(report.listing_id)
        for measure in report.measures:
            if measure.result == "executed":
                domain = listing.domain if listing is not None else None
                side = side_of(listing)
                cases.append(Case(report.subscriber_region, report.origin_region, side, domain))
    return cases


def _involves(case: Case, region: str) -> bool:
    return within(case.executing_region, region) or within(case.origin_region, region)


def side_of(listing: Listing | None) -> str | None:
    """An incentive (red lists, and the grades a scheme calls incentives) or a punishment
    (black lists, the poor grades); a commitment's case, or a middle grade's, is neither
    (review 147: an M tax grade counted an incentive)."""
    if listing is None:
        return None
    if rewards(listing):
        return "incentive"
    if bad_record(listing):
        return "punishment"
    return None


def count_cases(cases: Sequence[Case], region: str, pilots: PilotTargets) -> Cases:
    ours = [c for c in cases if _involves(c, region)]
    sides: Counter[str | None] = Counter()
    by_region: Counter[str] = Counter()
    by_sector: Counter[str] = Counter()
    for case in ours:
        sides[case.side] += case.times
        by_region[case.executing_region] += case.times
        if case.domain is not None:
            by_sector[case.domain] += case.times
    return Cases(
        total=sum(c.times for c in ours),
        punishments=sides["punishment"],
        incentives=sides["incentive"],
        by_executing_region=dict(sorted(by_region.items())),
        by_sector=dict(sorted(by_sector.items())),
        pilots=tuple(_judged(p, cases) for p in pilots.pilots if within(p.region, region)),
    )


def _judged(pilot: PilotTarget, cases: Sequence[Case]) -> PilotResult:
    counted = sum(
        case.times
        for case in cases
        if _involves(case, pilot.region)
        and (pilot.kind == "region" or (case.domain is not None and case.domain in pilot.domains))
    )
    return PilotResult(pilot=pilot, cases=counted, meets_target=counted >= pilot.min_cases)
