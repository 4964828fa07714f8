"""A broken-commitment policy's terms over time: each change keeps the terms before with the day
they took effect, and a breach is listed under its day's terms unless today's are lighter."""

from __future__ import annotations

from datetime import date

from gateway.broken_commitment_terms import (
    EARLIER_KEPT,
    BrokenCommitmentPolicy,
    BrokenCommitmentTerms,
)
from gateway_client.contract import Severity

BASIS = "国办发〔2020〕49号"


def terms(severity: Severity, basis: str = BASIS) -> BrokenCommitmentTerms:
    return BrokenCommitmentTerms(severity=severity, legal_basis=basis)


def changed(*steps: tuple[date, BrokenCommitmentTerms]) -> BrokenCommitmentPolicy | None:
    policy = None
    for day, given in steps:
        policy = BrokenCommitmentPolicy.set(given, policy, day)
    return policy


def test_each_breach_takes_the_terms_of_its_day_unless_todays_are_lighter() -> None:
    policy = changed(
        (date(2026, 1, 1), terms(Severity.GENERAL, "甲")),
        (date(2026, 3, 1), terms(Severity.SERIOUS, "乙")),
        (date(2026, 6, 1), terms(Severity.RELATIVELY_SERIOUS, "丙")),
    )
    assert policy is not None
    assert policy.since == date(2026, 1, 1)
    assert [x.since for x in policy.earlier] == [date(2026, 3, 1), date(2026, 1, 1)]
    assert policy.terms_for(date(2026, 2, 1)) == terms(Severity.GENERAL, "甲")
    assert policy.terms_for(date(2026, 4, 1)) == terms(Severity.RELATIVELY_SERIOUS, "丙")  # lighter
    assert policy.terms_for(date(2026, 7, 1)) == terms(Severity.RELATIVELY_SERIOUS, "丙")


def test_the_same_terms_again_keep_nothing_and_a_breach_on_a_change_day_takes_the_lighter() -> None:
    first = changed((date(2026, 1, 1), terms(Severity.GENERAL)))
    again = BrokenCommitmentPolicy.set(terms(Severity.GENERAL), first, date(2026, 2, 1))
    graver = changed(
        (date(2026, 1, 1), terms(Severity.GENERAL, "甲")),
        (date(2026, 3, 10), terms(Severity.SERIOUS, "乙")),  # later the day of a breach
    )

    assert again == first
    assert graver is not None
    assert graver.terms_for(date(2026, 3, 10)) == terms(Severity.GENERAL, "甲")
    assert graver.terms_for(date(2026, 3, 11)) == terms(Severity.SERIOUS, "乙")


def test_past_the_terms_kept_a_breach_is_never_listed_under_graver_ones_than_its_days() -> None:
    """Review 299: the oldest terms beyond ``EARLIER_KEPT`` were dropped, and a breach under
    them fell to the oldest kept — graver terms set later."""
    steps = [(date(2026, 1, 1), terms(Severity.GENERAL, "甲"))]
    steps += [(date(2026, 2, 1 + n), terms(Severity.SERIOUS, f"第{n}条")) for n in range(25)]
    policy = changed(*steps)
    assert policy is not None

    assert len(policy.earlier) == EARLIER_KEPT
    assert policy.terms_for(date(2026, 1, 15)).severity is Severity.GENERAL
    assert policy.terms_for(date(2026, 2, 20)).severity is Severity.SERIOUS  # the kept ones hold
