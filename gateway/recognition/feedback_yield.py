"""Feedback on an incentive the subject's black listing held back that day: red lists yield
(seed 001 二(四)3; ``standing.yielded``), so an incentive reported executed on a day the
gateway held a punishing black listing of the subject in force from its first moment to its
last had no ground, whichever delivery the report names (review 247: one named the red
listing's delivery from before the black listing, and was counted as a case)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from gateway.recognition.severity_policy import punishes
from gateway.recognition.standing import rewards
from gateway_client.contract import CHINA, Listing, ListingStatus, effective_valid_until


def held_back_on(day: date, listing: Listing | None, subject: Sequence[Listing]) -> str | None:
    """Why ``listing``'s incentives were held back all of ``day`` (Beijing), if they were: a
    black listing of ``subject`` (its listings as held now) in force through the whole day.
    Only a version held since before the day is judged: an earlier one's severity and period
    are not known here, and a re-push since (graver, or less grave: review 249) says nothing
    of that day. The day one took effect, was listed or ended is not judged either, as the end
    day of an agreement is not."""
    if listing is None or not rewards(listing):
        return None
    for black in subject:
        if black.listing_id != listing.listing_id and punishes(black) and _all_day(black, day):
            return (
                f"its incentives were held back: {black.domain} black listing "
                f"{black.listing_id} was in force all that day (red lists yield to it)"
            )
    return None


def _all_day(black: Listing, day: date) -> bool:
    """In force from the day's first moment to its last, in the version held now: every step
    moves ``accepted_at``, so a version accepted before the day stood through it unchanged."""
    start = datetime.combine(day, time(), CHINA)
    until = effective_valid_until(black)
    return (
        black.status is ListingStatus.ACTIVE
        and black.accepted_at < start
        and black.valid_from < day
        and (until is None or until > day)
    )
