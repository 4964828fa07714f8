"""Which terms (filters, ``recognised_only``) a subscription had at a given log entry.

A subscription is planned for, and judged by ``gateway verify-log`` on, the terms in force
when each change was logged: an entry after ``terms_since`` by the current ones, an entry up to
it by the ones before. Fan-out reads the subscriptions after its changes were logged (a change
of terms committed before that append is then seen), so a subscription it reads may have
changed after the append too: its ``terms_history`` says what held before. The history also
plans a stream batch retried after a change of terms (it was logged under the old ones).

Exact only because every ``terms_since`` and ``log_start`` is written while the log holds
exactly that many entries (``SubscriptionStore.update_at`` / ``create``): a change of terms
is then wholly before or wholly after any append. And because fan-out's read, a strongly
consistent scan begun after its append committed, sees every write committed before that
(DynamoDB's reads are read-committed against transactions: one committed is seen whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gateway_client.contract import Frozen, SubscriptionFilters

if TYPE_CHECKING:
    from gateway.delivery.subscription import Subscription

TERMS_KEPT = 16
"""Past terms a subscription keeps (a bound on its stored size). A retried stream batch is
planned by them, and the stream holds a record for 24 hours: a subscription changed more often
than this in that time has its older entries planned by the oldest terms kept, which
``gateway verify-log`` then judges by none (it lists them)."""


class PastTerms(Frozen):
    """Terms a subscription had, in force for the entries after ``since`` up to the next
    change's ``since``."""

    since: int
    filters: SubscriptionFilters
    recognised_only: bool


def with_terms_changed(current: Subscription, head: int) -> dict[str, object]:
    """The fields that record a change of terms at log size ``head``: the new ``terms_since``,
    and the terms before it first in the history (the oldest dropped past ``TERMS_KEPT``).
    Terms that held for no entry (set at this same size) are kept too: dropped, a change and
    its undoing at one size would read as ``terms_since`` moved for nothing."""
    past = PastTerms(
        since=current.terms_since,
        filters=current.filters,
        recognised_only=current.recognised_only,
    )
    return {"terms_since": head, "terms_history": (past, *current.terms_history)[:TERMS_KEPT]}


Copies = dict[tuple[str, int], "Subscription"]
"""A run's subscriptions with past terms, by (id, place in the history): one object each, so
that recognition worked out for it is worked out once (``gateway.delivery.audience``)."""


def terms_at(
    subscription: Subscription, sequence: int | None, copies: Copies | None = None
) -> Subscription | None:
    """The subscription with the terms it had when the entry at ``sequence`` was logged;
    ``None`` when it is not owed that entry (it subscribed later). No sequence (a change the
    log did not number) takes the terms now; one older than the history reaches (more changes
    than it keeps) the oldest kept, where ``gateway verify-log`` judges it by none."""
    if sequence is None:
        return subscription
    if sequence <= subscription.log_start:
        return None
    if sequence > subscription.terms_since:
        return subscription
    held = subscription.terms_history
    if not held:
        return subscription
    place = next((i for i, past in enumerate(held) if past.since < sequence), len(held) - 1)
    key = (subscription.subscription_id, place)
    found = None if copies is None else copies.get(key)
    if found is None:
        found = _with(subscription, held[place])
        if copies is not None:
            copies[key] = found
    return found


def owed_at(
    subscriptions: Sequence[Subscription], sequence: int | None, copies: Copies
) -> list[Subscription]:
    """The subscriptions owed the entry logged at ``sequence``, each with its terms then."""
    return [s for s in (terms_at(x, sequence, copies) for x in subscriptions) if s is not None]


def _with(subscription: Subscription, past: PastTerms) -> Subscription:
    return subscription.model_copy(
        update={"filters": past.filters, "recognised_only": past.recognised_only}
    )
