"""A subject's standing in the gateway's own history: what its red listings yield to, and
whether the green channel is open to it.

Red lists yield (seed 001 二(四)3 退出机制: a red-listed subject that is black-listed loses its
incentives): while the subject has a black listing in force (a joint-punishment one, under the
severity policy), every red listing's incentive measures are held back, with the reason, and
they apply again when it ends. Any black listing counts, recognised by the asking region or not:
the subject is not trustworthy anywhere while it is punished somewhere.

The green channel (绿色通道, 容缺受理) needs 连续三年无不良信用记录 (seed 000 二(一)2): no bad
record (a black listing or dishonesty record, or a result of a poor grade: a D tax grade,
海关失信企业) still standing — in force, or suspended while an objection is verified — or ended
within the last three years, and no broken commitment. A listing revoked or corrected never was
a true record and does not count. It is judged from everything the gateway holds about the
subject, not only what the asking region recognises. An incentive grade (an A tax grade) yields
to a black listing as a red listing does (review 147).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from gateway.recognition.severity_policy import punishes
from gateway_client.contract import (
    Frozen,
    Listing,
    ListingStatus,
    ListKind,
    Recognition,
    Suspension,
    broken_while_in_force,
    grade_in,
    months_after,
    poor_grade,
    revoked_at,
    stopped_applying,
)

CLEAN_YEARS = 3
# Ended as a true record (the listing stood until it ended): these count against the channel.
_ENDED_AS_RECORD = frozenset(
    {ListingStatus.EXPIRED, ListingStatus.REPAIRED, ListingStatus.PERFORMED}
)
_STANDING = frozenset({ListingStatus.ACTIVE, ListingStatus.SUSPENDED})
# Red lists that open the green channel (绿色通道, 容缺受理): seeds 000, 001, 002, 003.
GREEN_CHANNEL_DOMAINS = frozenset({"trustworthiness_model", "clean_record_three_years"})


def rewards(listing: Listing) -> bool:
    """A listing whose measures are incentives: a red listing, or a result of a grade its scheme
    calls an incentive (an A tax grade) — both yield to a black listing (review 147)."""
    return listing.kind is ListKind.RED or grade_in(listing, "incentive_grades")


def black_in_force(listings: Sequence[Listing]) -> bool:
    """The subject has a black listing in force: its red listings' incentives wait."""
    return any(x.status is ListingStatus.ACTIVE and punishes(x) for x in listings)


def held_back(listing: Listing, subject: Sequence[Listing]) -> Suspension | None:
    """Why a red listing's (an incentive grade's) incentives are held back, if they are, for a
    view without a region's recognition — the operator's: as ``yielded`` holds them for any
    region (review 217: the operator's signed report counted it red)."""
    waiting = listing.status is ListingStatus.ACTIVE and rewards(listing)  # ended: nothing held
    return Suspension.BLACK_LISTING_IN_FORCE if waiting and black_in_force(subject) else None


def yielded(recognition: Recognition, listing: Listing, subject: Sequence[Listing]) -> Recognition:
    """``recognition`` of a red listing (or an incentive grade: ``rewards``) with its measures
    held back while ``subject`` (all of the subject's listings) has a black listing in force;
    any other recognition as it is."""
    if not rewards(listing) or not recognition.measures or not black_in_force(subject):
        return recognition
    return recognition.model_copy(
        update={
            "measures": (),
            "suspended_measures": recognition.measures,
            "suspended_because": Suspension.BLACK_LISTING_IN_FORCE,
        }
    )


class Refusal(StrEnum):
    """Why the green channel is closed."""

    BLACK_LISTING_STANDING = "black_listing_standing"  # in force, or suspended by an objection
    ENDED_WITHIN_THREE_YEARS = "black_listing_ended_within_three_years"
    BROKEN_COMMITMENT = "broken_commitment"
    POOR_GRADE_STANDING = "poor_grade_standing"  # a D tax grade, 海关失信企业: in force
    POOR_GRADE_WITHIN_THREE_YEARS = "poor_grade_ended_within_three_years"
    CREDIT_HISTORY = "credit_history"  # a record the asker may not see: no detail given
    NO_QUALIFYING_RED_LISTING = "no_qualifying_red_listing"


_WAITING = frozenset(
    {
        Refusal.ENDED_WITHIN_THREE_YEARS,
        Refusal.BROKEN_COMMITMENT,
        Refusal.POOR_GRADE_WITHIN_THREE_YEARS,
    }
)
"""Refusals that time alone lifts: the verdict then says from when (``open_from``)."""


class GreenChannel(Frozen):
    """The verdict, with why not, and (when only time stands in the way) from when."""

    open: bool
    basis: tuple[str, ...] = ()
    refused_because: tuple[Refusal, ...] = ()
    open_from: date | None = None


def green_channel(
    held: Sequence[Listing],
    qualifying: Sequence[Listing],
    seen: frozenset[str],
    on: date,
) -> GreenChannel:
    """``held``: every listing the gateway holds on the subject; ``qualifying``: the red
    listings that apply for the asker; ``seen``: ids of the listings the asker may see (a
    refusal caused by any other says only ``credit_history``, never what or when)."""
    refusals: list[Refusal] = []
    open_from: date | None = None
    for listing in held:
        refusal, until = _against(listing, on)
        if refusal is None:
            continue
        refusals.append(refusal if listing.listing_id in seen else Refusal.CREDIT_HISTORY)
        if until is not None and listing.listing_id in seen:
            open_from = max(open_from or until, until)
    basis = tuple(
        x.listing_id
        for x in qualifying
        if x.kind is ListKind.RED
        and x.status is ListingStatus.ACTIVE
        and x.domain in GREEN_CHANNEL_DOMAINS
    )
    if not basis:
        refusals.append(Refusal.NO_QUALIFYING_RED_LISTING)
    if refusals:
        waiting_only = set(refusals) <= _WAITING
        return GreenChannel(
            open=False,
            refused_because=tuple(r for r in Refusal if r in refusals),  # in a fixed order
            open_from=open_from if waiting_only else None,
        )
    return GreenChannel(open=True, basis=basis)


def _against(listing: Listing, on: date) -> tuple[Refusal | None, date | None]:
    """Whether one listing is a bad credit record that closes the channel on ``on``."""
    made = listing.commitment
    if made is not None:
        # a record still after its listing's own period ended; not once revoked or corrected
        counts = listing.status in _STANDING or (
            listing.status in _ENDED_AS_RECORD and revoked_at(listing) is None
        )
        broken = counts and broken_while_in_force(listing)
        if not broken or made.outcome_on is None:
            return None, None
        # a bad record for three years from the breach, as an ended black listing is from its
        # end (seed 000 二(一)2 "连续三年无不良信用记录"): not for ever (review 126)
        clean_from = months_after(made.outcome_on, 12 * CLEAN_YEARS)
        return (Refusal.BROKEN_COMMITMENT, clean_from) if on < clean_from else (None, None)
    poor = poor_grade(listing)  # a bad record as a black listing is (review 147)
    if listing.kind is not ListKind.BLACK and not poor:
        return None, None
    if listing.status in _STANDING:
        return (Refusal.POOR_GRADE_STANDING if poor else Refusal.BLACK_LISTING_STANDING), None
    ended = stopped_applying(listing)
    found_wrong = revoked_at(listing) is not None  # after it ended: no record at all
    if listing.status in _ENDED_AS_RECORD and ended is not None and not found_wrong:
        clean_from = months_after(ended, 12 * CLEAN_YEARS)
        if on < clean_from:
            waits = (
                Refusal.POOR_GRADE_WITHIN_THREE_YEARS if poor else Refusal.ENDED_WITHIN_THREE_YEARS
            )
            return waits, clean_from
    return None, None
