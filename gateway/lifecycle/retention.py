"""Retention, as seed 002 §六(七) has it: "涉及个人的信用记录在失信行为终止之日起失信记录
只保留5年，5年后予以消除".

A black listing that involves an individual — its subject is a natural person, or it names
responsible persons (落实到人: names and ID numbers are a person's data) — is purged five years
after the dishonest conduct ended: on the ``conduct_ended_on`` its platform pushed, else on the
day the listing stopped applying. A commitment that involves an individual goes five years
after its outcome (kept, broken or withdrawn): a broken one is a dishonesty record like any.
The seed sets no term for positive records: a red listing that involves an individual goes
the same five years after it stopped applying — kept no longer than its purpose needs
(个人信息保护法 第十九条), never while it applies (review 54a F3: they were kept for good). It
records no dishonest conduct, so a ``conduct_ended_on`` on one moves nothing.

What is left afterwards is a tombstone that names the listing but nobody in it
(``tombstone``); the exchange log sends it where the erased content was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from gateway_client.contract import (
    Listing,
    ListingEntry,
    ListingStatus,
    ListKind,
    china_date,
    effective_valid_until,
    is_persons,
    months_after,
    read_as_a_person,
    stopped_applying,
    stopped_applying_at,
)

RETENTION_YEARS = 5
EVIDENCE_DAYS = 365
"""Raw pushes and uploads are evidence for a year (S3 lifecycle rules in infra/resources.json);
a purge waits for them too, so no archived copy outlives the listing."""
ARCHIVE_LAG_DAYS = 4
"""What S3 adds to the evidence window before the last copy is gone: it rounds an expiry up to
the next UTC midnight, only then marks the object deleted, and removes that noncurrent version a
day (``NoncurrentDays``), rounded again, later — up to three days past the window, and the
tick's day is Beijing's, eight hours ahead; a day more for S3's own lag (review 220: the purge
came first, the person's raw push stayed two days more)."""


def retention_start(listing: Listing) -> date | None:
    """The day the retention clock starts: the end of the dishonest conduct (失信行为终止之日)
    when the platform said so, else the day the listing stopped applying. ``None`` while the
    listing still applies: a listing in force is never purged, whatever its conduct date. A
    commitment's clock starts with its outcome, or when it stopped applying (removed,
    expired); an open one in force is never purged. Only a black listing records dishonest
    conduct: a conduct date pushed on any other moves nothing (review 371: pushed on an ended
    commitment or grade, it kept the person's data past retention, and again each push). A
    black listing removed as performed (a court defaulter's obligation: the conduct is not
    performing it) ended its conduct the day it was performed, however late the removal came
    or the operator corrected that day (review 377)."""
    if listing.commitment is not None and listing.commitment.outcome_on is not None:
        return listing.commitment.outcome_on
    stopped = stopped_applying(listing)
    if stopped is None or listing.kind is not ListKind.BLACK:
        return stopped
    # a black listing stored with a longer period stopped applying at its longest one, however
    # late the tick (or a backfill) expired it
    ends = effective_valid_until(listing)
    if ends is not None and ends < stopped:
        stopped = ends
    performed = listing.performed_on if listing.status is ListingStatus.PERFORMED else None
    if performed is not None and performed < stopped:
        stopped = performed
    return listing.conduct_ended_on or stopped


def involves_individual(listing: Listing) -> bool:
    """涉及个人: a natural person's listing, or an organisation's that names responsible
    persons (their names and ID numbers go with the listing) — or named them in an earlier
    version, which the log and the subscribers' copies still hold. A person's code stored as an
    organisation's by an earlier release (a foreign permanent resident's number read as a USCC:
    review 283) is a person's too: its name and number are kept, and erased, as any."""
    return is_persons(listing) or bool(listing.responsible_persons) or listing.named_persons_before


def entry_involves_individual(entry: ListingEntry) -> bool:
    """``involves_individual``, of an entry not stored yet (so with no earlier version)."""
    return bool(entry.responsible_persons) or read_as_a_person(entry.credit_code)


def retention_over(
    entry: ListingEntry, today: date, years: int = RETENTION_YEARS, held: Listing | None = None
) -> date | None:
    """The day a settled commitment involving an individual (or updating a ``held`` listing
    that does) was to be erased, ``years`` after its outcome, if that was on or before
    ``today``: its data is not to be taken in anew (review 296: stored, sent, and kept a year
    more for the evidence window)."""
    settled = entry.commitment.outcome_on if entry.commitment is not None else None
    if settled is None:
        return None
    if not (entry_involves_individual(entry) or (held is not None and involves_individual(held))):
        return None
    erased = months_after(settled, 12 * years)
    return erased if erased <= today else None


def held_retention_over(
    held: Listing, entry: ListingEntry, today: date, years: int = RETENTION_YEARS
) -> date | None:
    """The day ``held``, a listing that stopped applying, was to be erased, if that was on or
    before ``today`` and it or ``entry``, its next version, involves an individual: no version
    of it is taken in anew (review 354: a changed entry was stored and sent again, and
    restarted the evidence window its purge waits for — a year more with every push; review
    356: one naming a person for the first time too)."""
    involved = involves_individual(held) or entry_involves_individual(entry)
    start = retention_start(held) if involved else None
    if start is None:
        return None
    erased = months_after(start, 12 * years)
    return erased if erased <= today else None


def named_before(held: Listing, persons: Sequence[object]) -> dict[str, bool]:
    """The field the next version of ``held`` carries, naming ``persons``: set once a version
    names nobody where an earlier one named someone, and kept from then on; absent (false)
    while a listing keeps naming its persons, which involves an individual anyway."""
    return {
        "named_persons_before": held.named_persons_before
        or (bool(held.responsible_persons) and not persons)
    }


def may_be_purged(listing: Listing) -> bool:
    """A listing of any kind that involves an individual: what a purge erases one day, and so
    every copy of it the gateway keeps must be findable by its listing id."""
    return involves_individual(listing)


def purge_due(
    listing: Listing, today: date, years: int = RETENTION_YEARS, evidence_days: int = 0
) -> bool:
    """A listing that involves an individual is erased ``years`` after
    its retention start, once its last accepted version is older than the evidence window (so
    the archived push that carried it has expired first), and never while an objection is
    open."""
    if not may_be_purged(listing):
        return False
    if listing.objection is not None and listing.objection.open:
        return False  # an objected listing is kept until the outcome (DESIGN §4b)
    start = retention_start(listing)
    if start is None or months_after(start, 12 * years) > today:
        return False
    return evidence_over(listing, evidence_days) <= today


def evidence_over(listing: Listing, evidence_days: int) -> date:
    """The first day no archived push or upload of the listing is left (``ARCHIVE_LAG_DAYS``)."""
    return evidence_from(listing) + timedelta(days=evidence_days + ARCHIVE_LAG_DAYS)


def evidence_from(listing: Listing) -> date:
    """The day the evidence window of a listing's archived pushes counts from: its last
    accepted version's — unless that version is a step on the listing after it stopped
    applying (an objection decided, its notice acknowledged, a verification): no archived
    push, and counted from it kept a person's data up to a year past retention (review 181);
    then the step that ended it. A push to an ended listing (content stored, status kept) adds
    no step, so its version, later than every step, counts (review 183). (A push followed by
    such a step is counted from the end: its raw body may outlive the purge, as a duplicate's
    does. Counted from the step instead, any late step kept the person a year past it —
    review 222 — where the listing knows no time of its last push.)"""
    steps = listing.history
    pushed_last = not steps or listing.accepted_at > steps[-1].at
    ended = None if pushed_last else stopped_applying_at(listing)
    return china_date(ended or listing.accepted_at)
