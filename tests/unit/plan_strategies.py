"""Hypothesis strategies for recognition and fan-out planning: listings of every kind, status,
origin and severity, agreements and subscriptions over a few regions — so that different
listings often share the facts the memos key on, and the memoised paths are exercised."""

from __future__ import annotations

from typing import Any

from builders import (
    CITY,
    COUNTY,
    OTHER_COUNTY,
    RESIDENT_ID,
    USCC,
    agreement,
    entry,
    listing,
    make_uscc,
    measure,
    person,
    red_entry,
    subscription,
    with_status,
)
from hypothesis import strategies as st

from gateway.delivery.subscription import Subscription
from gateway.recognition.agreement import Agreement
from gateway_client.contract.filters import SubscriptionFilters
from gateway_client.contract.listing import Listing, ListingStatus

NATIONAL = "100001"  # a national source platform
ORIGINS = (CITY, COUNTY, OTHER_COUNTY, "440000", "430100", NATIONAL)
SUBSCRIBERS = ("440000", "441800", "430000", "420000", "110000")
BLACK_DOMAINS = ("court_defaulter", "major_tax_violation", "work_safety")
RED_DOMAINS = ("a_grade_taxpayer", "trustworthiness_model")
SEVERITIES = ("general", "relatively_serious", "serious")
KINDS = ("black", "red", "evaluation")
# (effective_from, effective_until) around the days planned on (builders.NOW: 2025-06-02)
TERMS = (
    ("2024-01-01", None),
    ("2024-01-01", "2025-06-02"),
    ("2025-06-02", None),
    ("2025-07-01", "2026-01-01"),
)


def _graded(grade: str) -> dict[str, Any]:
    return entry(
        kind="evaluation",
        domain="tax_credit",
        severity=None,
        legal_basis=None,
        reason="2025年度纳税信用评价",
        deciding_authority="国家税务总局清远市税务局",
        decision_number="清税信评〔2026〕1号",
        decided_on="2025-04-01",
        valid_from="2025-04-01",
        valid_until="2027-04-01",
        evaluation={"scheme": "tax_credit_grade", "grade": grade},
    )


@st.composite
def listings(draw: st.DrawFn) -> Listing:
    serial = draw(st.integers(min_value=1, max_value=40))
    code = draw(st.sampled_from((make_uscc(serial), USCC, RESIDENT_ID)))
    kind = draw(st.sampled_from(KINDS))
    if kind == "black":
        raw = entry(
            domain=draw(st.sampled_from(BLACK_DOMAINS)),
            severity=draw(st.sampled_from(SEVERITIES)),
        )
    elif kind == "red":
        raw = red_entry(domain=draw(st.sampled_from(RED_DOMAINS)))
    else:
        raw = _graded(draw(st.sampled_from(("A", "B", "D"))))
    persons = draw(st.sampled_from(([], [person(id_number=RESIDENT_ID)])))
    made = listing(
        {
            **raw,
            "credit_code": code,
            "decision_number": f"第{serial}号",
            "responsible_persons": persons,
        },
        region=draw(st.sampled_from(ORIGINS[:3]) | st.sampled_from(ORIGINS)),
    )
    status = draw(st.sampled_from([ListingStatus.ACTIVE] * 3 + list(ListingStatus)))
    return made if status is ListingStatus.ACTIVE else with_status(made, status)


@st.composite
def agreements(draw: st.DrawFn) -> list[Agreement]:
    made = []
    for n in range(draw(st.integers(min_value=0, max_value=3))):
        kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))
        grades = draw(st.sampled_from(([], ["A"], ["D", "B"]))) if "evaluation" in kinds else []
        start, until = draw(st.sampled_from(TERMS))
        made.append(
            agreement(
                f"agr-{n}",
                subscriber_region=draw(st.sampled_from(SUBSCRIBERS)),
                sources=[
                    {"region": draw(st.sampled_from(ORIGINS)), "subtree": draw(st.booleans())}
                ],
                kinds=kinds,
                domains=draw(st.sampled_from(([], ["court_defaulter"], ["a_grade_taxpayer"]))),
                min_severity=draw(st.sampled_from((None, *SEVERITIES))),
                grades=grades,
                effective_from=start,
                effective_until=until,
                measures=[
                    measure(f"m{n}", mandatory=draw(st.booleans()), kinds=kinds),
                    measure("shared", mandatory=draw(st.booleans())),
                ],
            )
        )
    return made


@st.composite
def subscriptions(draw: st.DrawFn) -> list[Subscription]:
    made = []
    for n in range(draw(st.integers(min_value=0, max_value=5))):
        filters = SubscriptionFilters.model_validate(
            {
                "kinds": draw(st.sampled_from(([], ["black"], ["red", "evaluation"]))),
                "domains": draw(st.sampled_from(([], ["court_defaulter", "a_grade_taxpayer"]))),
                "source_regions": draw(st.sampled_from(([], ["440000"], [NATIONAL, CITY]))),
            }
        )
        made.append(
            subscription(f"sub-{n}", region=draw(st.sampled_from(SUBSCRIBERS)), filters=filters)
        )
        if draw(st.booleans()):
            made[-1] = made[-1].model_copy(update={"recognised_only": True})
    return made
