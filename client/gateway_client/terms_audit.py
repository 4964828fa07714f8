"""Which terms a subscription's entries were planned under, as far as ``verify-log`` can tell.

The gateway shows a subscription's terms (filters, ``recognised_only``), the log's head when
they last changed (``terms_since``) and the terms before, each with the head it was set at
(``terms_history``, newest first), unsigned. An entry after ``terms_since`` was planned under
the terms shown; one up to the size a previous run verified, under the terms it remembered
(``Seen.terms``); any other up to ``terms_since``, under the past terms whose stretch holds it.
Those past terms are only the gateway's word about the past, so they may make an entry owed,
never excuse one: an entry they leave out (as one older than the history) is listed, neither
proven delivered nor reported missing (``AuditReport.unjudged``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gateway_client.audit_report import Seen, Terms
from gateway_client.contract import SubscriptionFilters


@dataclass(frozen=True)
class InForce:
    """The terms an entry was planned under; ``excuses``: whether an entry they leave out is
    not owed (the terms shown now, or remembered) or only listed (past terms shown now)."""

    terms: Terms
    excuses: bool = True


class MalformedTerms(ValueError):
    """The subscription's terms, as shown, are not terms: the gateway's answer is wrong."""


def shown_terms(view: Mapping[str, Any]) -> tuple[Terms, list[Terms]]:
    """The subscription's terms and its past ones, from its view (``GET
    /v1/subscriptions/{id}``); raises ``MalformedTerms`` naming the field."""
    field = "filters"
    try:
        terms = _terms(view, view.get("terms_since", 0))
        field = "terms_history"
        past = view.get("terms_history", [])
        if not isinstance(past, list):
            raise TypeError("not a list")
        return terms, [_terms(p, p["since"]) for p in past]
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise MalformedTerms(f"the subscription's {field} is malformed: {error}") from error


def _terms(shown: Mapping[str, Any], since: object) -> Terms:
    if not isinstance(since, int) or isinstance(since, bool):
        raise TypeError(f"since {since!r} is not a whole number")
    recognised_only = shown.get("recognised_only", False)
    if not isinstance(recognised_only, bool):
        raise TypeError(f"recognised_only {recognised_only!r} is not true or false")
    return Terms(
        filters=SubscriptionFilters.model_validate(shown["filters"]),
        recognised_only=recognised_only,
        since=since,
    )


def same_terms(a: Terms, b: Terms) -> bool:
    """The same filters by meaning (``SubscriptionFilters.canonical``: a respelling is no
    change, as the gateway judges it when it moves ``terms_since``) and ``recognised_only``."""
    return (a.filters.canonical(), a.recognised_only) == (b.filters.canonical(), b.recognised_only)


def terms_in_force(
    terms: Terms, seen: Seen | None, history: Sequence[Terms] = ()
) -> Callable[[int], InForce | None]:
    """The terms a log entry (by sequence) was planned under; ``None``: not known.

    A previous run read the checkpoint it remembers (``seen.size``) before the terms it
    remembers (``log_verifier.verify_log`` reads them in that order), so every entry from its
    ``terms_since`` to that size was logged while those terms held: a change between would
    have moved the ``terms_since`` it read past them, and one since then is set at that size
    or later (a state file that does not say so, an earlier version's, read the terms first:
    its terms judge nothing). Those entries are judged under the terms remembered, whatever
    the gateway shows now. Others up to ``terms_since`` by ``history`` (out of order: by
    nothing), which excuses none."""
    remembered = seen.terms if seen is not None and seen.terms_after_checkpoint else None
    through = seen.size if seen is not None else 0
    stretches = _stretches(terms, history)

    def planned_under(sequence: int) -> InForce | None:
        if remembered is not None and remembered.since < sequence <= through:
            return InForce(remembered)
        if sequence > terms.since:
            return InForce(terms)
        found = next((p for p, end in stretches if p.since < sequence <= end), None)
        return None if found is None else InForce(found, excuses=False)

    return planned_under


def _stretches(terms: Terms, history: Sequence[Terms]) -> list[tuple[Terms, int]]:
    """Each past terms with the last entry it was in force for; none if the history is out of
    order (a stretch ending before it starts), as ``terms_problems`` reports."""
    stretches, end = [], terms.since
    for past in history:
        if past.since > end:
            return []
        stretches.append((past, end))
        end = past.since
    return stretches


def changes_since(before: Terms, terms: Terms, history: Sequence[Terms]) -> list[Terms]:
    """The terms set after ``before`` was, oldest first, as the history and the terms now show
    them: what a run prints for its region to ask about. Those newer than ``before``'s place
    in the history (a change at the same head too); without it, those set at a later head."""
    place = _place(before, history)
    newer = history[:place] if place is not None else [p for p in history if p.since > before.since]
    later = list(reversed(newer))
    return [*later, terms] if terms.since > before.since or not same_terms(terms, before) else later


def _place(before: Terms, history: Sequence[Terms]) -> int | None:
    """Where the history holds the remembered terms: set at their ``since``, the same terms."""
    return next(
        (i for i, p in enumerate(history) if p.since == before.since and same_terms(p, before)),
        None,
    )


def terms_problems(terms: Terms, seen: Seen | None, history: Sequence[Terms] = ()) -> list[str]:
    """``terms_since`` moves only when the filters or ``recognised_only`` change (the gateway
    records the log's head then), and never back: moved otherwise, it would excuse entries
    the subscription was owed, which the gateway does not sign. Nor may the terms change
    without it once the log the last run verified had grown past it, nor with it set inside
    what that run verified: a change made since then recorded a head at least that large
    (heads only grow). The history must be in order, and must not show other terms than a
    previous run saw for the entries it verified. A ``terms_since`` moved under the same terms
    is explained by a change and its undoing (terms A, then B, then A again) in the history;
    an entry B leaves out is then listed, not excused (``terms_in_force``)."""
    stretches = _stretches(terms, history)
    problems = (
        ["the subscription's terms_history is out of order: it judges no entry"]
        if history and not stretches
        else []
    )
    before = seen.terms if seen is not None else None
    if before is None or seen is None:
        return problems
    if seen.terms_after_checkpoint:  # then the terms remembered held to ``seen.size``
        problems += _history_against(before, seen.size, stretches)
        if before.since < terms.since < seen.size:
            problems.append(
                f"terms_since moved from {before.since} to {terms.since}, inside the log the "
                f"last run verified (to {seen.size}): a change since then is set at or after it"
            )
    same = same_terms(terms, before)
    if terms.since == before.since:
        if same or seen.size <= terms.since:
            return problems
        return [
            *problems,
            f"the subscription's filters changed while terms_since stayed at {terms.since}, "
            f"though the log had grown to {seen.size} when last verified: entries the earlier "
            "terms owed would go unjudged",
        ]
    if terms.since < before.since:
        return [*problems, f"terms_since went back from {before.since} to {terms.since}"]
    if same and _reaches(before, history) and not _changed_and_back(before, terms, history):
        return [
            *problems,
            f"terms_since moved from {before.since} to {terms.since} while the subscription's "
            "filters stayed the same: entries it no longer judges were owed",
        ]
    return problems


def _history_against(before: Terms, through: int, stretches: list[tuple[Terms, int]]) -> list[str]:
    """Past terms shown for entries a previous run saw judged by other terms."""
    return [
        f"the subscription's terms_history shows other terms for log entries "
        f"{max(past.since, before.since) + 1}–{min(end, through)} than a previous run saw "
        "in force for them"
        for past, end in stretches
        if max(past.since, before.since) < min(end, through) and not same_terms(past, before)
    ]


def _reaches(before: Terms, history: Sequence[Terms]) -> bool:
    """Whether the history goes back to the remembered terms' ``since``, so that it would show
    a change since (a full history, ``TERMS_KEPT`` changes, may have dropped them: then a moved
    ``terms_since`` is not known to be unexplained, and the entries between are unjudged)."""
    return not history or history[-1].since <= before.since


def _changed_and_back(before: Terms, terms: Terms, history: Sequence[Terms]) -> bool:
    """Whether the history shows the remembered terms set at their ``since`` and other terms
    after them: the current terms, the same again, are a change back."""
    place = _place(before, history)
    return place is not None and any(not same_terms(p, terms) for p in history[:place])
