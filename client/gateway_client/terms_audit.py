"""Which terms a subscription's entries were planned under, as far as ``verify-log`` can tell.

The gateway shows a subscription's terms (filters, ``recognised_only``) and the log's head when
they last changed (``terms_since``), unsigned. An entry after ``terms_since`` was planned under
the terms shown. One up to it was planned under earlier terms: those a previous run remembered
(``Seen.terms``) where it can be told they were in force, else terms not known, and then it is
neither proven delivered nor reported missing (``AuditReport.unjudged``).
"""

from __future__ import annotations

from collections.abc import Callable

from gateway_client.audit_report import Seen, Terms


def same_terms(a: Terms, b: Terms) -> bool:
    """The same filters by meaning (``SubscriptionFilters.canonical``: a respelling is no
    change, as the gateway judges it when it moves ``terms_since``) and ``recognised_only``."""
    return (a.filters.canonical(), a.recognised_only) == (b.filters.canonical(), b.recognised_only)


def terms_in_force(terms: Terms, seen: Seen | None) -> Callable[[int], Terms | None]:
    """The terms a log entry (by sequence) was planned under; ``None``: not known.

    A previous run read the checkpoint it remembers (``seen.size``) before the terms it
    remembers (``log_verifier.verify_log`` reads them in that order), so every entry from its
    ``terms_since`` to that size was logged while those terms held: a change between would
    have moved the ``terms_since`` it read past them (a state file that does not say so, an
    earlier version's, read the terms first: its terms judge nothing). Those entries are
    judged under the terms remembered, whatever the gateway shows now: terms changed since (or
    merely respelled, with ``terms_since`` moved) excuse no entry the subscription was owed
    then."""
    before = seen.terms if seen is not None and seen.terms_after_checkpoint else None
    remembered = before if before is not None and before.since < terms.since else None
    through = min(seen.size, terms.since) if seen is not None and remembered else 0

    def planned_under(sequence: int) -> Terms | None:
        if sequence > terms.since:
            return terms
        if remembered is not None and remembered.since < sequence <= through:
            return remembered
        return None

    return planned_under


def terms_problems(terms: Terms, seen: Seen | None) -> list[str]:
    """``terms_since`` moves only when the filters or ``recognised_only`` change (the gateway
    records the log's head then), and never back: moved otherwise, it would excuse entries
    the subscription was owed, which the gateway does not sign. Nor may the terms change
    without it once the log the last run verified had grown past it: a change made since then
    would have recorded a head at least that large (heads only grow), so terms narrowed under
    the old ``terms_since`` would excuse entries owed under the old terms."""
    before = seen.terms if seen is not None else None
    if before is None:
        return []
    same = same_terms(terms, before)
    if terms.since == before.since:
        if same or seen is None or seen.size <= terms.since:
            return []
        return [
            f"the subscription's filters changed while terms_since stayed at {terms.since}, "
            f"though the log had grown to {seen.size} when last verified: entries the earlier "
            "terms owed would go unjudged"
        ]
    if terms.since < before.since:
        return [f"terms_since went back from {before.since} to {terms.since}"]
    if same:
        return [
            f"terms_since moved from {before.since} to {terms.since} while the subscription's "
            "filters stayed the same: entries it no longer judges were owed"
        ]
    return []
