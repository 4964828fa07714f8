"""A stored listing as it stands on a day, before the tick has written what the day changed.

The tick expires a listing whose period is over at its next run (the top of an hour, and at
national scale minutes of paging): a lookup, a check or a report in between answered it as in
force — a subject still shown punished after its publicity ended (review 87 F3). Reads judge
the listing as of their own day by the tick's rule (``expiry_due``) instead, so what they
answer no longer depends on when the tick last ran; and so do the writes that act on a held
listing (the lifecycle's actions, a push's update or removal, a resync), or one would act on
what a lookup calls expired (reviews 125, 127): a write then carries the expiry with it.
"""

from __future__ import annotations

from datetime import date

from gateway.lifecycle.rules import EXPIRY_NOTE, expired_at, expiry_due
from gateway.ownership import GATEWAY
from gateway_client.contract import Listing, ListingStatus, Transition


def as_on(listing: Listing, on: date) -> Listing:
    """``listing`` as the tick will have it once its run on ``on`` (Beijing) is done: expired
    from the first moment of its period's end day (or its last step's, if later), its version
    as stored (what an action on it must name). Unchanged if nothing is due."""
    if not expiry_due(listing, on):
        return listing
    at = expired_at(listing)  # a step taken since (an objection filed) keeps the history in order
    step = Transition(
        event="expired", status=ListingStatus.EXPIRED, at=at, by=GATEWAY, reason=EXPIRY_NOTE
    )
    return listing.model_copy(
        update={"status": ListingStatus.EXPIRED, "history": (*listing.history, step)}
    )
