"""Which listings are a bad credit record: a black listing, or a result of a grade its scheme
calls poor (a D tax grade, 海关失信企业) — what closes the green channel as a black listing
does (review 147), and what credit repair ends (纳税信用修复, customs credit repair: review
194) — and which a decision found wrong after they ended (``revoked_at``). Here, below the
wings, for recognition and the lifecycle both to read."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal

from gateway_client.contract.catalogue import ListKind, load_catalogue
from gateway_client.contract.clock import CHINA
from gateway_client.contract.commitment import CommitmentOutcome
from gateway_client.contract.listing import IN_FORCE, Listing, ListingStatus, stopped_applying_at
from gateway_client.contract.moves import REHOMED


def grade_in(listing: Listing, side: Literal["incentive_grades", "poor_grades"]) -> bool:
    """A result whose grade its scheme lists on ``side``."""
    made = listing.evaluation
    if listing.kind is not ListKind.EVALUATION or made is None:
        return False
    scheme = load_catalogue().scheme(made.scheme)
    return scheme is not None and made.grade in getattr(scheme, side)


def poor_grade(listing: Listing) -> bool:
    """A result of a grade its scheme calls a bad credit record."""
    return grade_in(listing, "poor_grades")


def bad_record(listing: Listing) -> bool:
    """A black listing, or a poor grade."""
    return listing.kind is ListKind.BLACK or poor_grade(listing)


def revoked_at(listing: Listing) -> datetime | None:
    """When an objection's decision found the listing's record wrong (``revoked``), if one
    did and nothing put the listing back in force since: a listing ended before the decision
    keeps its status (expired, say), so only its history says so — and such a record is no
    bad credit record, nor a broken commitment's ground (review 212)."""
    found = None
    for step in listing.history:
        if step.status in IN_FORCE or step.status is ListingStatus.SUSPENDED:
            found = None  # in force again since (a later version reinstated it)
        if step.event == "objection_decided":
            outcome = step.reason.removeprefix("objection ").partition(" ")[2]
            if outcome.partition(REHOMED)[0].split(" ", 1)[0] == "revoked":
                found = step.at
    return found


def found_wrong(listing: Listing) -> bool:
    """Never a true record: revoked or corrected, or found wrong by a decision made after it
    ended (``revoked_at``) — counted nowhere, as the green channel counts it (reviews 147,
    296)."""
    wrong = (ListingStatus.REVOKED, ListingStatus.CORRECTED)
    return listing.status in wrong or revoked_at(listing) is not None


def broken_while_in_force(listing: Listing) -> bool:
    """A commitment recorded broken on a day it applied: in force (or suspended by an
    objection) now, or ended after the breach's day began. A promise cannot be broken once it
    stopped applying: the tick lists no breach dated that day or after (reviews 320, 323), and
    neither the green channel, the query's count nor the statistics count one (review 371:
    they did, closing the channel for three years)."""
    made = listing.commitment
    if made is None or made.outcome is not CommitmentOutcome.BROKEN or made.outcome_on is None:
        return False
    if listing.status in IN_FORCE or listing.status is ListingStatus.SUSPENDED:
        return True
    # the moment, not the day: a removal at 15:00 ended a promise broken that morning (review
    # 373), while the tick's expiry, at midnight, ends it before any breach of that day
    ended = stopped_applying_at(listing)
    return ended is not None and datetime.combine(made.outcome_on, time(), CHINA) < ended


def outcome_counted(listing: Listing) -> CommitmentOutcome | None:
    """A commitment's settled outcome as the month's statistics count it (the counters and the
    scanned report alike): none for a record found wrong (review 296), nor for a breach dated
    after the promise stopped applying (review 371)."""
    made = listing.commitment
    if made is None or made.outcome is None or found_wrong(listing):
        return None
    if made.outcome is CommitmentOutcome.BROKEN and not broken_while_in_force(listing):
        return None
    return made.outcome
