"""A push's removals of one listing, judged together against the listing held (``judge``).

Each removal is first judged alone: one that addresses no listing of the pusher's, whose dates
are impossible, or whose reason is not true of the listing in force is refused at its own
fault and takes no further part (review 197: a removal refused as reused still made an older,
valid one look done; one addressing another county's listing made a valid one "reused").
Against a listing that has ended, each is a duplicate when it ended it so, else refused. Against
one in force: a removal stamped no later than the version held is stale (or reuses it); of two
at one version saying different things the later is refused as reused; the newest of the rest
is applied and the others answered as duplicates of it. Nothing is answered for a listing
whose write then loses a race: its removals are judged again against what won (review 197)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from gateway.intake.push import EntryOutcome, Outcome
from gateway.intake.storing import REMOVABLE, REUSED, REUSED_MESSAGE, STALE, STALE_MESSAGE
from gateway.lifecycle import (
    NotInForce,
    Removal,
    as_on,
    content_version,
    dates_problem,
    days_corrected,
    reason_problem,
    remove,
    removed_status,
)
from gateway.ownership import NOT_OWNER, may_change, not_owner_message
from gateway.recognition import is_natural_person
from gateway.validation import EntryError
from gateway_client.contract import Listing, china_date, load_catalogue, quoted_key

NOT_IN_FORCE = NotInForce.code
_VERSION = "source_updated_at"


@dataclass
class Judged:
    """The answers for one listing's removals, and the listing as the applied one leaves it."""

    outcomes: list[EntryOutcome] = field(default_factory=list)
    errors: list[EntryError] = field(default_factory=list)
    applied: tuple[int, Listing] | None = None  # the removal's index, the listing it makes

    def answer(self, index: int, held: Listing, outcome: Outcome) -> None:
        self.outcomes.append(outcome_of(index, held, outcome))

    def refuse(self, index: int, code: str, message: str, field: str = "") -> None:
        self.errors.append(removal_error(index, code, message, field))


def judge(
    removals: Sequence[tuple[int, Removal]],
    held: Listing | None,
    region: str,
    relays: bool,
    now: datetime,
) -> Judged:
    """The answers for ``removals`` (one listing's, in the batch's order) of ``held``."""
    judged, today = Judged(), china_date(now)
    standing = []
    for index, removal in removals:
        if held is None or _tried(held, region, relays) or _elsewhere(removal, held, region):
            judged.refuse(index, *_unknown(removal))
        elif not may_change(held.origin_region, region, relays):
            judged.refuse(
                index, NOT_OWNER, not_owner_message(region, held.origin_region), "credit_code"
            )
        elif problem := _own_problem(removal, held, today):
            judged.refuse(index, *problem)
        else:
            standing.append((index, removal))
    if held is None or not standing:
        return judged
    # its status as lookups read it today: ended on its end day, ticked or not
    status = as_on(held, today).status
    if status not in REMOVABLE:
        for index, removal in standing:
            same = status is removed_status(removal)
            if same and removal.performed_on == held.performed_on:
                judged.answer(index, held, "duplicate")  # its resend, an expiry after the tick
            elif same and _corrected(removal, held):
                # made before the operator corrected the day it names: its resend (291)
                judged.answer(index, held, "duplicate")
            elif same:  # another day performed than the one held, whatever its version: what
                # moved the version since (a push to the ended listing) says nothing of the
                # removal that ended it (reviews 277, 285)
                judged.refuse(index, NOT_IN_FORCE, _performed_then(held.performed_on), _DAY)
            else:  # another ending, whatever its version (review 45)
                message = f"the listing has ended already ({status})"
                judged.refuse(index, NOT_IN_FORCE, message, "credit_code")
        return judged
    newer = []
    for index, removal in standing:
        if removal.version <= held.version:  # in force at this version or a later one
            reused = removal.version == content_version(held)  # its content's
            code, message = (REUSED, REUSED_MESSAGE) if reused else (STALE, STALE_MESSAGE)
            judged.refuse(index, code, message, _VERSION)
        else:
            newer.append((index, removal))
    said: dict[str, Removal] = {}
    counting = []
    for index, removal in newer:
        first = said.setdefault(removal.version, removal)
        if first is removal:
            counting.append((index, removal))
        elif _says(first) == _says(removal):  # the same removal twice
            judged.answer(index, held, "duplicate")
        else:  # that version said otherwise
            judged.refuse(index, REUSED, REUSED_MESSAGE, _VERSION)
    if counting:
        index, newest = max(counting, key=lambda x: x[1].version)
        for other, removal in counting:
            if other == index:
                continue
            same, day = removed_status(removal) is removed_status(newest), removal.performed_on
            if same and day != newest.performed_on:
                # the same ending on another day: refused, as in a later push (review 279)
                judged.refuse(other, NOT_IN_FORCE, _performed_then(newest.performed_on), _DAY)
            else:  # superseded by the newest (reviews 194, 197)
                judged.answer(other, held, "duplicate")
        judged.applied = (index, remove(held, newest, region, now))
    return judged


_DAY = "performed_on"


def _corrected(removal: Removal, held: Listing) -> bool:
    day = removal.performed_on
    replaced = days_corrected(held).get(day) if day is not None else None
    return replaced is not None and removal.source_updated_at < replaced


def _performed_then(day: date | None) -> str:
    """Why a removal naming another day performed is refused: the day held is the one the
    on-time figure is judged by, and no removal moves it (an owner could otherwise make a late
    removal look on time)."""
    return f"the listing ends as performed on {day}: a removal does not change the day performed"


def _says(removal: Removal) -> tuple[object, ...]:
    """What a removal does to the listing: its status and the day a court defaulter performed.
    Its note, or naming the listing's own region, changes nothing, so a resend differing only
    there is a duplicate in one push as in a later one (review 205)."""
    return (removed_status(removal), removal.performed_on)


def _own_problem(removal: Removal, held: Listing, today: date) -> tuple[str, str, str] | None:
    """Why ``removal`` cannot end ``held`` whatever else the batch holds: its dates, or a
    reason not true of the listing in force (one ended already is answered as ended)."""
    in_force = as_on(held, today).status in REMOVABLE
    return dates_problem(removal, held) or (
        reason_problem(removal, held, today) if in_force else None
    )


def _unknown(removal: Removal) -> tuple[str, str, str]:
    """Why no listing is found: a domain not in the catalogue, or one that holds no list of the
    removal's kind, is named at its field, as an entry's is (a typo there was an unknown
    listing with no field to mend: reviews 361, 367), whoever holds what."""
    domain = load_catalogue().domain(removal.domain)
    if domain is None:
        return (
            "unknown_domain",
            f"domain {quoted_key(removal.domain)} is not in the catalogue",
            "domain",
        )
    if removal.kind not in domain.kinds:
        kinds = "/".join(domain.kinds)
        return "domain_kind_mismatch", f"domain {removal.domain} holds {kinds} lists only", "domain"
    return "unknown_listing", "no such listing is held", ""


def _tried(held: Listing, region: str, relays: bool) -> bool:
    """A removal of another region's listing of a natural person: answered as a miss, for the
    listing id is the code with fields every masked copy shows, and "not yours" for the right
    number against "no such listing" for a wrong one let a region complete a masked ID number,
    thousands of candidates a push (review 35). A company's code is no secret: its refusal
    names the owner."""
    return is_natural_person(held.credit_code) and not may_change(
        held.origin_region, region, relays
    )


def _elsewhere(removal: Removal, held: Listing, region: str) -> bool:
    """A removal naming the region a listing is of (``origin_region``) ends that region's
    listing only: a company's decision has one id whoever lists it, so a relay naming the wrong
    county would otherwise end another's (as a person's named origin already finds its own).
    Naming the pusher itself is naming none, as for an entry (``dedup._addressed``, review
    208): the pusher acting for what it may change."""
    named = removal.origin_region
    return bool(named) and named not in (held.origin_region, region)


def removal_error(index: int, code: str, message: str, field: str = "") -> EntryError:
    return EntryError(list="removals", index=index, field=field, code=code, message=message)


def outcome_of(index: int, listing: Listing, outcome: Outcome) -> EntryOutcome:
    return EntryOutcome(
        list="removals", index=index, listing_id=listing.listing_id, outcome=outcome
    )
