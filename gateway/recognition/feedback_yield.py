"""Feedback on an incentive the subject's black listing held back that day: red lists yield
(seed 001 二(四)3; ``standing.yielded``), so an incentive reported executed on a day the
gateway held a punishing black listing of the subject in force from its first moment to its
last had no ground, whichever delivery the report names (review 247: one named the red
listing's delivery from before the black listing, and was counted as a case)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta

from gateway.recognition.severity_policy import punishes
from gateway.recognition.standing import rewards
from gateway_client.contract import CHINA, Listing, ListingStatus, effective_valid_until


def held_back_on(
    day: date,
    listing: Listing | None,
    subject: Sequence[Listing],
    seen: Collection[str] = frozenset(),
) -> str | None:
    """Why ``listing``'s incentives were held back all of ``day`` (Beijing), if they were: a
    black listing of ``subject`` (its listings as held now) in force through the whole day,
    with the content held now. A day before that content was stamped (or first listed) is not
    judged: an earlier version's severity and period are not known here, and a re-push since
    (graver, or less grave: review 249) says nothing of that day. Steps since (an objection,
    a removal, the end of its period) do not unjudge it: the history says how it stood that
    day (review 251). The day one took effect, was listed or ended is not judged either, as
    the end day of an agreement is not. The black listing is named only if its id is in
    ``seen`` (those the reporting region may see now): one revoked or corrected since is told
    as the subject's credit history, as the green channel tells it (review 272)."""
    if listing is None or not rewards(listing):
        return None
    for black in subject:
        if black.listing_id != listing.listing_id and punishes(black) and _all_day(black, day):
            if black.listing_id not in seen:
                return "its incentives were held back all that day by the subject's credit history"
            return (
                f"its incentives were held back: {black.domain} black listing "
                f"{black.listing_id} was in force all that day (red lists yield to it)"
            )
    return None


_CONTENT_STEPS = frozenset({"reassigned", "objection_decided"})
"""Steps that may put content in place stamped before them (a reassignment stamps it just
after the version it replaced: review 253): the content is dated from the step then."""


def _all_day(black: Listing, day: date) -> bool:
    start = datetime.combine(day, time(), CHINA)
    end = start + timedelta(days=1)
    content_since = max(
        black.listed_at or black.accepted_at,
        black.source_updated_at,
        *(step.at for step in black.history if step.event in _CONTENT_STEPS),
    )
    until = effective_valid_until(black)
    if content_since >= start or black.valid_from >= day or (until is not None and until <= day):
        return False
    bounds = [None, *(step.at for step in black.history)]  # every listing starts in force
    statuses = [ListingStatus.ACTIVE, *(step.status for step in black.history)]
    for since, left, status in zip(bounds, [*bounds[1:], None], statuses, strict=True):
        overlaps = (since is None or since < end) and (left is None or left > start)
        if overlaps and status is not ListingStatus.ACTIVE:
            return False
    return True
