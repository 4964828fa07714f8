"""Entries become listings and reach the store: shared by pushes and bulk uploads."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from gateway.intake.admission import reserved_problem
from gateway.intake.dedup import DedupPlan, plan
from gateway.intake.own_listings import Purged, stored_before
from gateway.lifecycle import RETENTION_YEARS, STANDING, as_on, retention_problem
from gateway.ownership import NOT_OWNER, may_change, not_owner_message
from gateway.ports import Write
from gateway_client.contract import (
    Listing,
    prolonged,
)

RACE_RETRIES = 5
CONTENDED = "listing_contended"
PURGED = "listing_purged"
SETTLED = "commitment_settled"
REUSED = "version_reused"
REMOVABLE = STANDING
"""What a removal applies to: a listing in force, or suspended while an objection is checked.
An ended one stays as it ended (its retention counts from the step that ended it)."""


def _updates_own(held: Listing | None, region: str, relays: bool) -> bool:
    """Whether a candidate updates a listing ``region`` may change. Where that is all a
    region may do (the gateway's own domains), any other candidate gets the same answer,
    whether another region holds the listing or none does: else the refusal would tell a
    guessed ID number behind a masked copy right (another's) from wrong (absent)."""
    return held is not None and may_change(held.origin_region, region, relays)


PURGED_MESSAGE = (
    "this decision's listing was purged when its retention ran out; it cannot be listed again"
)


SETTLED_MESSAGE = "the commitment's outcome is recorded already (kept or broken is final)"
REUSED_MESSAGE = (
    "this version is held with other content: a change needs a later source_updated_at "
    "(or source_sequence); the same content again is a duplicate"
)
MISADDRESSED = "origin_mismatch"
RESTARTED = "period_restarted"
RESTARTED_MESSAGE = (
    "the listing's longest period counts from the valid_from it was listed with: a later one "
    "would end it later (give a valid_until no later than the held end to correct the start) "
    "— an extension needs its own decision (extension); a period truly longer is the "
    "operator's to correct"
)
LENGTHENED = "period_lengthened"
LENGTHENED_MESSAGE = (
    "this version would keep a black listing or an evaluation result in force past the end of "
    "the version held (a later valid_until, open_ended, a severity with a longer longest "
    "period; give a valid_until no later than the held end to change the severity): an "
    "extension needs its own decision (extension); a period truly longer is the operator's to "
    "correct"
)
STALE = "stale_version"
STALE_MESSAGE = (
    "the listing is held at this version or a later one, by a change pushed or a step taken "
    "since (a decision, a repair): send it with a later source_updated_at (or "
    "source_sequence)"
)


class Storing(Protocol):
    """What storing entries needs of the listing store."""

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]: ...

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]: ...

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None: ...


class WritesAfter:
    """A listing store whose writes wait for ``ready`` first (a push's archived body): what
    comes before the writes — reads, dedup planning — overlaps whatever ``ready`` waits for,
    and nothing is stored before it is done (``ready`` raising stops every write)."""

    def __init__(self, listings: Storing, ready: Callable[[], object]) -> None:
        self._listings = listings
        self._ready = ready

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        return self._listings.current(keys)

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        self._ready()
        return self._listings.write(writes, region)

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        self._ready()
        self._listings.add_provenance(tags, region)


@dataclass(frozen=True)
class Refusal:
    """A candidate that wrote nothing, and why: the per-entry (or per-line) error it becomes."""

    index: int
    field: str
    code: str
    message: str


@dataclass
class Stored:
    """What happened to each candidate, by its position in the request (index or line)."""

    accepted: list[tuple[int, Listing]] = field(default_factory=list)
    duplicates: list[tuple[int, Listing]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def _read(
    listings: Storing, pending: Sequence[tuple[int, Listing]], purged: Purged, today: date
) -> tuple[dict[str, Listing], Mapping[str, str]]:
    """The listings held under the candidates' ids, as lookups read them today (``as_on``: an
    update on a listing's end day finds it ended, as after the tick's run, rather than putting
    it back in force: review 127), and the purge marks of the ids none holds."""
    keys = [(listing.credit_code, listing.listing_id) for _, listing in pending]
    current = {k: as_on(x, today) for k, x in listings.current(keys).items()}
    fresh = [x.listing_id for _, x in pending if x.listing_id not in current]
    return current, (purged(fresh) if fresh else {})


def store(
    listings: Storing,
    candidates: Sequence[tuple[int, Listing]],
    region: str,
    relays_subregions: bool,
    purged: Purged,
    today: date,
    retention_years: int = RETENTION_YEARS,
) -> Stored:
    """Dedup and write, every write conditional on the version read (or on absence, for a new
    listing); a write that loses a race is planned again against what won. A candidate still
    contended after ``RACE_RETRIES`` rounds is refused, never reported written or duplicate.

    ``purged`` is asked, once per round for the whole batch, of the ids not held and of the
    held ones a write would move. A purge marks the id before it deletes the listing: an
    absence read here follows the mark; a held listing marked is one whose purge is under way,
    and an update landing before its delete would be deleted with it, answered ``accepted``:
    it is refused instead. A purge between this read and a write either deleted the listing
    first (the write, conditional on the version read, fails, and the next round reads the
    mark) or finds the write landed after its erasure and deletes that version too
    (``Tick._purge``): no person stays stored under an erased mark.
    """
    result = Stored()
    # a person's listing stored before ids were keyed by region keeps the decision's
    pending = stored_before(candidates, listings.current, purged)

    def check(entry: Listing, held: Listing) -> tuple[str, str, str] | None:
        """Updating a listing that involves an individual, its retention over; or ending a
        black listing or a result later than the version held (a refused entry leaves the
        one before it to be written, not a duplicate of nothing: review 251)."""
        if problem := retention_problem(entry, today, retention_years, held):
            return problem
        field = prolonged(entry, held, held.decision_number)
        return None if field is None else (field, *_PROLONGING[field == "valid_from"])

    for _ in range(RACE_RETRIES):
        if not pending:
            break
        current, gone = _read(listings, pending, purged, today)
        reserved = {  # one the region may not update: refused alike, held by another or not
            i: why
            for i, x in pending
            if not _updates_own(current.get(x.listing_id), region, relays_subregions)
            and (why := reserved_problem(x.domain))
        }
        result.refused += [Refusal(i, "domain", *why) for i, why in reserved.items()]
        pending = [(i, x) for i, x in pending if i not in reserved]
        decided = plan(pending, current, region, relays_subregions, gone.keys(), check)
        moving = [x.listing_id for _, x, held in decided.write if held is not None]
        erasing = purged(moving) if moving else set()
        decided.write = [w for w in decided.write if w[1].listing_id not in erasing]
        if decided.tag:
            tagged = [current[x.listing_id] for x in decided.tag]  # the owner it was judged by
            listings.add_provenance(
                [(x.credit_code, x.listing_id, x.origin_region) for x in tagged], region
            )
        written = listings.write([(x, held) for _, x, held in decided.write], region)
        lost = {x.listing_id for _, x, _ in decided.write if x.listing_id not in written}
        # every entry of a listing whose purge is under way is refused so; every entry of one
        # whose write lost a race is judged again against what won, as the entries it was
        # judged against were never stored (review 375); but one refused at its own fault,
        # naming another region than the listing held is of (review 379 F2) — not one judged
        # against the region an entry of the batch named, which may never be stored (381)
        own_fault = {i for i, x, _ in decided.misaddressed if x.listing_id in current}
        judged = [(i, x) for i, x in pending if i not in own_fault]
        again = [(i, x) for i, x in judged if x.listing_id in lost]
        result.refused += [
            Refusal(i, "decision_number", PURGED, PURGED_MESSAGE)
            for i, x in judged
            if x.listing_id in erasing
        ]
        _answered(result, decided, region, set(erasing) | lost, own_fault)
        pending = again
    result.refused += [
        Refusal(i, "credit_code", CONTENDED, "the listing kept changing meanwhile; send it again")
        for i, _ in pending
    ]
    return result


def _answered(
    result: Stored, decided: DedupPlan, region: str, apart: set[str], own_fault: set[int]
) -> None:
    """What ``plan`` decided, as answers, but for the listings ``apart`` (those judged
    against a write that did not happen); an entry naming another region than the listing
    held is of (``own_fault``) is answered so whatever became of its listing."""

    def of(entries: Sequence[tuple[int, Listing]]) -> list[int]:
        return [i for i, x in entries if x.listing_id not in apart]

    result.accepted += [(i, x) for i, x, _ in decided.write if x.listing_id not in apart]
    result.duplicates += [(i, x) for i, x in decided.duplicates if x.listing_id not in apart]
    result.refused += [
        Refusal(i, "credit_code", NOT_OWNER, not_owner_message(region, held.origin_region))
        for i, x, held in decided.refused
        if x.listing_id not in apart
    ]
    result.refused += [
        Refusal(i, "origin_region", MISADDRESSED, misaddressed_message(held))
        for i, x, held in decided.misaddressed
        if i in own_fault or x.listing_id not in apart
    ]
    result.refused += [
        Refusal(i, "decision_number", PURGED, PURGED_MESSAGE) for i in of(decided.purged)
    ]
    result.refused += [
        Refusal(i, "commitment.outcome", SETTLED, SETTLED_MESSAGE) for i in of(decided.settled)
    ]
    result.refused += [
        Refusal(i, "source_updated_at", REUSED, REUSED_MESSAGE) for i in of(decided.reused)
    ]
    result.refused += [
        Refusal(i, "source_updated_at", STALE, STALE_MESSAGE) for i in of(decided.stale)
    ]
    result.refused += [
        Refusal(i, *why) for i, x, why in decided.checked if x.listing_id not in apart
    ]


_PROLONGING = {True: (RESTARTED, RESTARTED_MESSAGE), False: (LENGTHENED, LENGTHENED_MESSAGE)}


def misaddressed_message(owner: Listing) -> str:
    return (
        f"this decision's listing is region {owner.origin_region}'s (as held, or as this push's "
        "first entry of it names it): name that region, or none (a listing moves to another "
        "region only by reassignment)"
    )
