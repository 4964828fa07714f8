"""The operator corrects the day a court defaulter performed (``performed_on``).

No removal moves that day once a listing holds it (an owner could otherwise make a late removal
look on time, review 277), and no objection is filed on an ended listing, so a day typed wrong
stayed wrong but for a reassignment, which resets the whole listing. The operator, asked by the
owner, corrects the day alone: a step of its own on the ended listing (``removed``, by the
operator, the day before and after in its reason, the operator's words in its note), under a
gateway revision of the version, so the owner's messages made before it act as they did. The
statistics follow from the listing (``gateway.statistics.tallies``: the removal judged again
against the corrected day, in the month it was removed); subscribers receive the step.
"""

from __future__ import annotations

from datetime import date, datetime

from gateway.lifecycle.requests import PerformanceCorrection
from gateway.lifecycle.rules import NotInForce, _moved, _step, next_version
from gateway_client.contract import (
    OPERATOR,
    DatesOutOfOrder,
    Listing,
    ListingStatus,
    stopped_applying,
)

_CORRECTED, _TO = "performed_on corrected: ", " → "


def corrected_performance(
    listing: Listing, request: PerformanceCorrection, now: datetime
) -> Listing | None:
    """``listing`` with ``request``'s day performed; ``None`` when it holds that day already."""
    held, day = listing.performed_on, request.performed_on
    removed_on = stopped_applying(listing)
    if listing.status is not ListingStatus.PERFORMED or held is None or removed_on is None:
        raise NotInForce(
            f"the listing is {listing.status.value}: only a performed listing's day is corrected",
            path="listing_id",
        )
    if day == held:
        return None
    if day < listing.decided_on:
        raise DatesOutOfOrder(
            "performed_on is before the listing was decided (decided_on)", path="performed_on"
        )
    if day > removed_on:
        raise DatesOutOfOrder(
            f"performed_on is after the listing was removed ({removed_on.isoformat()})",
            path="performed_on",
        )
    reason = f"{_CORRECTED}{held.isoformat()}{_TO}{day.isoformat()}"
    history = _step(listing, "removed", listing.status, now, OPERATOR, reason, request.note)
    return _moved(listing, next_version(listing.version), now, performed_on=day, history=history)


def days_corrected(listing: Listing) -> dict[date, datetime]:
    """The days performed an operator's correction replaced on ``listing``, each with when it
    last was: the owner's own removal made before then, naming it, sent again, is a duplicate,
    not a removal refused (review 291); one made after is refused as any other day (293)."""
    return {
        date.fromisoformat(step.reason.removeprefix(_CORRECTED).partition(_TO)[0]): step.at
        for step in listing.history
        if step.by == OPERATOR and step.event == "removed" and step.reason.startswith(_CORRECTED)
    }
