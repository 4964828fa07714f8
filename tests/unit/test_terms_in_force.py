"""``terms_audit.terms_in_force``: which terms verify-log judges an entry by. From the
remembered ``terms_since`` to the size the last run verified: the terms it remembered, only if
it read them after that checkpoint (a state file of an earlier version read them first); after
the ``terms_since`` shown: those shown; anything else without a history: not known."""

from __future__ import annotations

from collections.abc import Callable

from gateway_client.audit_report import Seen, Terms
from gateway_client.contract import SubscriptionFilters
from gateway_client.terms_audit import same_terms, terms_in_force, terms_problems

ROOT = "0" * 64
OLD = Terms(filters=SubscriptionFilters(domains=("court_defaulter",)), since=3)
NEW = Terms(filters=SubscriptionFilters(domains=("work_safety",)), since=12)


def seen(size: int, after: bool = True) -> Seen:
    return Seen(size=size, root=ROOT, terms=OLD, terms_after_checkpoint=after)


def judged_by(terms: Terms, state: Seen | None) -> Callable[[int], Terms | None]:
    planned_under = terms_in_force(terms, state)
    return lambda q: None if (found := planned_under(q)) is None else found.terms


def test_each_entry_is_judged_by_the_terms_in_force_as_far_as_can_be_told() -> None:
    planned_under = judged_by(NEW, seen(8))

    assert [planned_under(q) for q in (3, 4, 8, 9, 12, 13)] == [None, OLD, OLD, None, None, NEW]


def test_a_change_set_inside_what_the_last_run_verified_judges_nothing_it_verified() -> None:
    """Review 43 M2: that run read the terms after its checkpoint (20), so a change since is
    set at 20 or later; one shown at 12 is reported, and the remembered terms judge to 20."""
    planned_under = judged_by(NEW, seen(20))

    assert [planned_under(q) for q in (11, 12, 13, 20, 21)] == [OLD, OLD, OLD, OLD, NEW]
    assert terms_problems(NEW, seen(20)) == [
        "terms_since moved from 3 to 12, inside the log the last run verified (to 20): a "
        "change since then is set at or after it"
    ]


def test_a_state_file_of_an_earlier_version_judges_nothing_by_its_terms() -> None:
    planned_under = judged_by(NEW, seen(8, after=False))

    assert [planned_under(q) for q in (4, 8, 13)] == [None, None, NEW]


def test_without_a_state_only_the_terms_shown_judge() -> None:
    assert [judged_by(NEW, None)(q) for q in (1, 12, 13)] == [None, None, NEW]


def test_terms_spelled_otherwise_are_the_same_terms() -> None:
    a = Terms(filters=SubscriptionFilters(source_regions=("440000", "230000", "230900")))
    b = Terms(filters=SubscriptionFilters(source_regions=("230000", "440000")), since=7)

    assert same_terms(a, b)
    assert not same_terms(a, b.model_copy(update={"recognised_only": True}))
