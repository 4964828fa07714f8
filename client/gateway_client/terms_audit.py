"""Which terms a subscription's entries were planned under, as far as ``verify-log`` can tell.

The gateway shows a subscription's terms (filters, ``recognised_only``), the log's head when
they last changed (``terms_since``) and the terms before, each with the head it was set at
(``terms_history``, newest first, the last sixteen), unsigned. An entry after ``terms_since``
was planned under the terms shown; one up to it under the terms a previous run remembered
(``Seen.terms``) where it can be told they were in force, else under the past terms whose
stretch holds it. Older than the history reaches, its terms are not known, and then it is
neither proven delivered nor reported missing (``AuditReport.unjudged``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway_client.audit_report import Seen, Terms


def same_terms(a: Terms, b: Terms) -> bool:
    """The same filters by meaning (``SubscriptionFilters.canonical``: a respelling is no
    change, as the gateway judges it when it moves ``terms_since``) and ``recognised_only``."""
    return (a.filters.canonical(), a.recognised_only) == (b.filters.canonical(), b.recognised_only)


def terms_in_force(
    terms: Terms, seen: Seen | None, history: Sequence[Terms] = ()
) -> Callable[[int], Terms | None]:
    """The terms a log entry (by sequence) was planned under; ``None``: not known.

    A previous run read the checkpoint it remembers (``seen.size``) before the terms it
    remembers (``log_verifier.verify_log`` reads them in that order), so every entry from its
    ``terms_since`` to that size was logged while those terms held: a change between would
    have moved the ``terms_since`` it read past them (a state file that does not say so, an
    earlier version's, read the terms first: its terms judge nothing). Those entries are
    judged under the terms remembered, whatever the gateway shows now: terms changed since (or
    merely respelled, with ``terms_since`` moved) excuse no entry the subscription was owed
    then. Others up to ``terms_since`` by ``history`` (a history out of order: by nothing)."""
    before = seen.terms if seen is not None and seen.terms_after_checkpoint else None
    remembered = before if before is not None and before.since < terms.since else None
    through = min(seen.size, terms.since) if seen is not None and remembered else 0
    stretches = _stretches(terms, history)

    def planned_under(sequence: int) -> Terms | None:
        if sequence > terms.since:
            return terms
        if remembered is not None and remembered.since < sequence <= through:
            return remembered
        return next((p for p, end in stretches if p.since < sequence <= end), None)

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


def terms_problems(terms: Terms, seen: Seen | None, history: Sequence[Terms] = ()) -> list[str]:
    """``terms_since`` moves only when the filters or ``recognised_only`` change (the gateway
    records the log's head then), and never back: moved otherwise, it would excuse entries
    the subscription was owed, which the gateway does not sign. Nor may the terms change
    without it once the log the last run verified had grown past it: a change made since then
    would have recorded a head at least that large (heads only grow), so terms narrowed under
    the old ``terms_since`` would excuse entries owed under the old terms. The history must be
    in order, and must not show other terms than a previous run saw for the entries it
    verified; a ``terms_since`` moved under the same terms is explained by a change and its
    undoing (terms A, then B, then A again) that the history shows."""
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
        problems += _history_against(before, min(seen.size, terms.since), stretches)
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
    if same and not _changed_and_back(before, terms, history):
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


def _changed_and_back(before: Terms, terms: Terms, history: Sequence[Terms]) -> bool:
    """Whether the history shows the remembered terms set at their ``since`` and other terms
    after them: the current terms, the same again, are a change back."""
    for index, past in enumerate(history):
        if past.since == before.since and same_terms(past, before):
            return any(not same_terms(newer, terms) for newer in history[:index])
    return False
