"""``terms_audit.terms_in_force``: which terms verify-log judges an entry by. After the
``terms_since`` shown: those shown; from the remembered ``terms_since`` to the size the last
run verified: the terms it remembered, only if it read them after that checkpoint (a state
file of an earlier version read them first); anything else: not known."""

from __future__ import annotations

from gateway_client.audit_report import Seen, Terms
from gateway_client.contract import SubscriptionFilters
from gateway_client.terms_audit import same_terms, terms_in_force

ROOT = "0" * 64
OLD = Terms(filters=SubscriptionFilters(domains=("court_defaulter",)), since=3)
NEW = Terms(filters=SubscriptionFilters(domains=("work_safety",)), since=12)


def seen(size: int, after: bool = True) -> Seen:
    return Seen(size=size, root=ROOT, terms=OLD, terms_after_checkpoint=after)


def test_each_entry_is_judged_by_the_terms_in_force_as_far_as_can_be_told() -> None:
    planned_under = terms_in_force(NEW, seen(8))

    assert [planned_under(q) for q in (3, 4, 8, 9, 12, 13)] == [None, OLD, OLD, None, None, NEW]


def test_the_size_verified_past_the_change_judges_only_up_to_the_change() -> None:
    planned_under = terms_in_force(NEW, seen(20))

    assert [planned_under(q) for q in (11, 12, 13)] == [OLD, OLD, NEW]


def test_a_state_file_of_an_earlier_version_judges_nothing_by_its_terms() -> None:
    planned_under = terms_in_force(NEW, seen(8, after=False))

    assert [planned_under(q) for q in (4, 8, 13)] == [None, None, NEW]


def test_without_a_state_only_the_terms_shown_judge() -> None:
    assert [terms_in_force(NEW, None)(q) for q in (1, 12, 13)] == [None, None, NEW]


def test_terms_spelled_otherwise_are_the_same_terms() -> None:
    a = Terms(filters=SubscriptionFilters(source_regions=("440000", "230000", "230900")))
    b = Terms(filters=SubscriptionFilters(source_regions=("230000", "440000")), since=7)

    assert same_terms(a, b)
    assert not same_terms(a, b.model_copy(update={"recognised_only": True}))
