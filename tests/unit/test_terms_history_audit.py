"""verify-log with the subscription's past terms (``terms_history``, newest first): an entry
up to ``terms_since`` is judged by the past terms whose stretch holds it, which may make it
owed but never excuse it (they are the gateway's unsigned word about the past); a history out
of order, or one showing other terms than a previous run saw in force, is reported; terms
changed and changed back (A, B, A) explain a ``terms_since`` that moved under the same terms;
a malformed view is refused naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from gateway_client.audit_report import Seen, Terms
from gateway_client.contract import SubscriptionFilters
from gateway_client.terms_audit import (
    InForce,
    MalformedTerms,
    changes_since,
    shown_terms,
    terms_in_force,
    terms_problems,
)

ROOT = "0" * 64
COURTS = SubscriptionFilters(domains=("court_defaulter",))
SAFETY = SubscriptionFilters(domains=("work_safety",))
EVERY = SubscriptionFilters()

NOW = Terms(filters=SAFETY, since=12)
HISTORY = (Terms(filters=COURTS, since=5), Terms(filters=EVERY, since=0))


def test_entries_before_terms_since_are_judged_by_the_stretch_that_holds_them() -> None:
    planned_under = terms_in_force(NOW, None, HISTORY)

    assert [planned_under(q) for q in (1, 5, 6, 12, 13)] == [
        InForce(HISTORY[1], excuses=False),
        InForce(HISTORY[1], excuses=False),
        InForce(HISTORY[0], excuses=False),
        InForce(HISTORY[0], excuses=False),
        InForce(NOW),
    ]
    assert terms_problems(NOW, None, HISTORY) == []


def test_entries_older_than_the_history_reaches_are_not_known() -> None:
    kept = (HISTORY[0],)  # the oldest dropped: nothing says what held up to 5
    planned_under = terms_in_force(NOW, None, kept)

    assert [planned_under(q) for q in (5, 6)] == [None, InForce(HISTORY[0], excuses=False)]


def test_a_history_out_of_order_judges_nothing_and_is_reported() -> None:
    shuffled = (Terms(filters=EVERY, since=0), Terms(filters=COURTS, since=5))
    planned_under = terms_in_force(NOW, None, shuffled)

    assert [planned_under(q) for q in (1, 6, 13)] == [None, None, InForce(NOW)]
    assert terms_problems(NOW, None, shuffled) == [
        "the subscription's terms_history is out of order: it judges no entry"
    ]


def test_terms_changed_and_changed_back_explain_terms_since_moved_under_the_same_terms() -> None:
    """Review 43 T1: A at 3 remembered, then B at 7, then A again at 9. B's stretch judges
    entries 8 and 9 only as far as B makes them owed (review 43 H1: a made-up B excuses
    nothing), and the run prints both changes."""
    a = Terms(filters=COURTS, since=3)
    seen = Seen(size=6, root=ROOT, terms=a, terms_after_checkpoint=True)
    now = a.model_copy(update={"since": 9})
    history = (Terms(filters=SAFETY, since=7), a)

    assert terms_problems(now, seen, history) == []
    assert terms_in_force(now, seen, history)(8) == InForce(history[0], excuses=False)
    assert changes_since(a, now, history) == [history[0], now]
    # without the history, as before: nothing shows the change between
    assert any("terms_since moved" in p for p in terms_problems(now, seen))


def test_a_history_that_contradicts_the_terms_a_previous_run_saw_is_reported() -> None:
    """The previous run verified to 10 under COURTS since 3: a history saying the filters
    were SAFETY from 7 would excuse entries 8–10 that were owed."""
    a = Terms(filters=COURTS, since=3)
    seen = Seen(size=10, root=ROOT, terms=a, terms_after_checkpoint=True)
    now = Terms(filters=EVERY, since=12)
    history = (Terms(filters=SAFETY, since=7), a)

    problems = terms_problems(now, seen, history)

    assert problems == [
        "the subscription's terms_history shows other terms for log entries 8–10 than a "
        "previous run saw in force for them"
    ]
    assert terms_in_force(now, seen, history)(9) == InForce(a)  # the remembered terms judge


def test_the_same_terms_since_the_last_run_print_no_change() -> None:
    a = Terms(filters=COURTS, since=3)
    assert changes_since(a, a, (Terms(filters=EVERY, since=0),)) == []


@pytest.mark.parametrize(
    ("view", "field"),
    [
        ({"filters": {}, "terms_history": None}, "terms_history"),
        ({"filters": {}, "terms_history": [{"filters": {}}]}, "terms_history"),
        ({"filters": {}, "terms_history": [{"filters": {}, "since": "1"}]}, "terms_history"),
        ({"filters": {}, "terms_history": [{"filters": {}, "since": True}]}, "terms_history"),
        ({"filters": {}, "terms_history": ["A"]}, "terms_history"),
        ({"filters": {"kinds": ["grey"]}}, "filters"),
        ({"filters": {}, "terms_since": 1.5}, "filters"),
        ({"filters": {}, "recognised_only": "no"}, "filters"),
        (
            {"filters": {}, "terms_history": [{"filters": {}, "since": 0, "recognised_only": 0}]},
            "terms_history",
        ),
    ],
)
def test_a_malformed_view_is_refused_naming_the_field(view: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedTerms, match=f"the subscription's {field} is malformed"):
        shown_terms(view)


def test_a_view_without_a_history_has_none() -> None:
    assert shown_terms({"filters": {}, "terms_since": 4}) == (Terms(filters=EVERY, since=4), [])


def test_a_change_at_the_head_the_remembered_terms_were_set_at_is_printed() -> None:
    """Review 44 F6: A at 10 remembered, then B at 10, then C at 20."""
    a = Terms(filters=COURTS, since=10)
    b = Terms(filters=SAFETY, since=10)
    now = Terms(filters=EVERY, since=20)

    assert changes_since(a, now, (b, a)) == [b, now]


def test_a_history_too_short_to_reach_the_remembered_terms_reports_no_move() -> None:
    """Review 44 F1: A at 0 remembered (verified to 10), then more changes than the history
    keeps, the last one back to A at 28. Nothing shows the move unexplained: the entries the
    history cannot place are listed unjudged, and no problem sticks to the state."""
    a = Terms(filters=COURTS, since=0)
    seen = Seen(size=10, root=ROOT, terms=a, terms_after_checkpoint=True)
    now = a.model_copy(update={"since": 28})
    kept = tuple(
        Terms(filters=SAFETY if n % 2 else COURTS, since=head)
        for n, head in enumerate(range(27, 11, -1))
    )

    assert terms_problems(now, seen, kept) == []
    assert terms_in_force(now, seen, kept)(11) is None
