"""Who hears what a subject's other changes do to a listing: every subscription whose filters
take the listing now, and every one that holds it though they no longer do. A subscriber that
narrowed its filters after a listing was delivered still applies what it was told — the
intensified flag, the incentives, the measures — so the flag's flip, the incentives held back
or released and a revision's dropped measure go to it too, as an end does (review 390 F2:
planned by filters only, each was the subscriber's last word for good). Holding is what
``Receipts`` says: delivered, or a single delivery of it still to come."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from gateway.delivery.subscription import Subscription
from gateway_client.contract import Listing

Received = Callable[[str, Collection[str]], set[str]]
"""Which of the given subscriptions hold the listing (``Receipts``)."""


def holders(
    received: Received | None, listing_id: str, subscriptions: Sequence[Subscription]
) -> list[Subscription]:
    """Of ``subscriptions``, in order, those that hold the listing: asked of none when there
    are none (most changes' audience is filtered in whole)."""
    if received is None or not subscriptions:
        return []
    got = received(listing_id, [s.subscription_id for s in subscriptions])
    return [s for s in subscriptions if s.subscription_id in got]


def audience_of(
    listing: Listing, subscriptions: Sequence[Subscription], received: Received | None
) -> list[Subscription]:
    """The subscriptions, in order, whose filters take ``listing`` or that hold it."""
    taken = {s.subscription_id for s in subscriptions if s.filters.matches(listing)}
    left_out = [s for s in subscriptions if s.subscription_id not in taken]
    taken |= {s.subscription_id for s in holders(received, listing.listing_id, left_out)}
    return [s for s in subscriptions if s.subscription_id in taken]
