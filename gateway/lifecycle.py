"""Listing lifecycle: removals, objections, repair and expiry, as pure transitions (retention:
``gateway.retention``).

Each transition returns the next version of the listing. Platform actions carry their own
version (source time + sequence), so replays and out-of-order messages are no-ops; gateway
actions (expiry, operator-filed objections) take the next version after the current one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import Field

from gateway.catalogue import ListKind, load_catalogue
from gateway.clock import china_date
from gateway.codes import CreditCode
from gateway.errors import BadRequest, Conflict
from gateway.listing import (
    IN_FORCE,
    Listing,
    ListingEntry,
    ListingStatus,
    Objection,
    Transition,
    identity_of,
    listing_id,
    version_of,
)
from gateway.model import FREE_TEXT, Frozen, Moment, SingleLine
from gateway.push import EntryError, validate_each
from gateway.regions import ancestors
from gateway.retention import add_months
from gateway.workdays import WorkdayCalendar, sources_text

GATEWAY = "gateway"
OPERATOR = "operator"


class RepairTooEarly(Conflict):
    """Credit repair is asked for before the minimum publicity period has passed."""

    code = "repair_too_early"


class NotInForce(Conflict):
    """The listing is not in a state this action applies to."""

    code = "listing_not_in_force"


class ObjectionOpen(Conflict):
    """An objection is already being verified for this listing."""

    code = "objection_open"


class RemovalReason(StrEnum):
    REPAIRED = "repaired"
    REVOKED = "revoked"
    EXPIRED = "expired"
    CORRECTED = "corrected"


class Stamped(Frozen):
    """A platform action's own version: equal or older versions are no-ops."""

    source_updated_at: Moment
    source_sequence: int = Field(default=0, ge=0, le=10**12)

    @property
    def version(self) -> str:
        return version_of(self.source_updated_at, self.source_sequence)


class Removal(Stamped):
    """移出: the source takes a listing off its list."""

    credit_code: CreditCode
    kind: ListKind
    domain: str
    deciding_authority: SingleLine
    decision_number: SingleLine
    reason: RemovalReason
    note: Annotated[str, Field(max_length=2000), FREE_TEXT] = ""

    @property
    def listing_id(self) -> str:
        return listing_id(
            self.credit_code, self.kind, self.domain, self.deciding_authority, self.decision_number
        )


class ObjectionFiling(Frozen):
    objection_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    reason: Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]


class ObjectionDecision(Stamped):
    outcome: Literal["upheld", "corrected", "revoked"]
    note: Annotated[str, Field(max_length=2000), FREE_TEXT] = ""
    corrected_entry: ListingEntry | None = None


class RepairRequest(Stamped):
    reason: Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]


class ObjectionPolicy(Frozen):
    suspends: bool
    deadline: int = Field(gt=0, le=365)
    unit: Literal["calendar_days", "working_days"]
    source: str

    def deadline_from(self, filed_on: date, workdays: WorkdayCalendar) -> tuple[date, str]:
        if self.unit == "calendar_days":
            return filed_on + timedelta(days=self.deadline), f"{self.deadline} calendar days"
        day, sources = workdays.add_workdays(filed_on, self.deadline)
        return day, f"{self.deadline} working days ({sources_text(sources)})"


class PolicyBook(Frozen):
    version: str
    note: str = ""
    default: ObjectionPolicy
    regions: dict[str, ObjectionPolicy]

    def for_region(self, region: str) -> ObjectionPolicy:
        """The policy of the nearest region (itself, its city, its province) that has one."""
        return next((self.regions[r] for r in ancestors(region) if r in self.regions), self.default)


@cache
def shipped_policies() -> PolicyBook:
    text = resources.files("gateway.data").joinpath("objection_policies.json").read_text("utf-8")
    return PolicyBook.model_validate(json.loads(text))


def validate_removals(
    raw: Sequence[Any], today: date
) -> tuple[list[tuple[int, Removal]], list[EntryError]]:
    return validate_each(Removal, raw, "removals", today)


def next_version(current: str, now: datetime) -> str:
    """A version after ``current``, for transitions the gateway makes itself."""
    candidate = version_of(now, 0)
    if candidate > current:
        return candidate
    stamp, _, sequence = current.partition("#")
    return f"{stamp}#{int(sequence) + 1:013d}"


def after(listing: Listing, request: Stamped) -> str:
    """The version of an action that applies once by state (a decision, a repair): the source's
    own stamp when it is newer, else the smallest step past the current version, so an action
    stamped before the gateway's own last step (an objection filing) is never lost."""
    if request.version > listing.version:
        return request.version
    stamp, _, sequence = listing.version.partition("#")
    return f"{stamp}#{int(sequence) + 1:013d}"


def _moved(listing: Listing, version: str, now: datetime, **changes: object) -> Listing:
    return listing.model_copy(update={"version": version, "accepted_at": now, **changes})


Event = Literal["objection_filed", "objection_decided", "repaired", "expired", "removed"]


def _step(
    listing: Listing, event: Event, status: ListingStatus, now: datetime, by: str, reason: str
) -> tuple[Transition, ...]:
    step = Transition(event=event, status=status, at=now, by=by, reason=reason)
    return (*listing.history, step)


_REMOVED_TO = {
    RemovalReason.REPAIRED: ListingStatus.REPAIRED,
    RemovalReason.REVOKED: ListingStatus.REVOKED,
    RemovalReason.EXPIRED: ListingStatus.EXPIRED,
    RemovalReason.CORRECTED: ListingStatus.CORRECTED,
}


def remove(listing: Listing, removal: Removal, by: str, now: datetime) -> Listing:
    status = _REMOVED_TO[removal.reason]
    reason = f"removed: {removal.reason.value}" + (f" — {removal.note}" if removal.note else "")
    return _moved(
        listing,
        removal.version,
        now,
        status=status,
        history=_step(listing, "removed", status, now, by, reason),
    )


def file_objection(
    listing: Listing,
    filing: ObjectionFiling,
    by: str,
    now: datetime,
    policy: ObjectionPolicy,
    workdays: WorkdayCalendar,
) -> Listing:
    """Open an objection; where the region's policy says so, suspend the listing's measures."""
    if listing.objection is not None and listing.objection.open:
        raise ObjectionOpen(
            f"objection {listing.objection.objection_id} is still open", path="objection_id"
        )
    if listing.status not in IN_FORCE:
        raise NotInForce(f"the listing is {listing.status.value}; nothing to object to")
    deadline, basis = policy.deadline_from(china_date(now), workdays)
    objection = Objection(
        objection_id=filing.objection_id,
        filed_at=now,
        filed_by=by,
        reason=filing.reason,
        deadline=deadline,
        deadline_basis=basis,
        suspends=policy.suspends,
    )
    status = ListingStatus.SUSPENDED if policy.suspends else listing.status
    history = _step(
        listing, "objection_filed", status, now, by, f"objection {filing.objection_id} filed"
    )
    return _moved(
        listing,
        next_version(listing.version, now),
        now,
        status=status,
        objection=objection,
        history=history,
    )


def decide_objection(
    listing: Listing, decision: ObjectionDecision, by: str, now: datetime
) -> Listing:
    """The source platform's verdict: upheld (the listing stands), corrected, or revoked."""
    objection = listing.objection
    if objection is None or not objection.open:
        raise NotInForce("no objection is open on this listing", path="objection")
    closed = objection.model_copy(
        update={"decided_at": now, "outcome": decision.outcome, "decision_note": decision.note}
    )
    reason = f"objection {objection.objection_id} {decision.outcome}"
    version = after(listing, decision)
    if decision.outcome == "revoked":
        status = ListingStatus.REVOKED
        return _moved(
            listing,
            version,
            now,
            status=status,
            objection=closed,
            history=_step(listing, "objection_decided", status, now, by, reason),
        )
    content: dict[str, object] = {}
    if decision.outcome == "corrected":
        entry = decision.corrected_entry
        if entry is None:
            raise BadRequest("a correction needs corrected_entry", path="corrected_entry")
        if identity_of(entry) != listing.listing_id:
            raise BadRequest("the corrected entry is a different listing", path="corrected_entry")
        content = {
            name: getattr(entry, name)
            for name in ListingEntry.model_fields
            if name != "origin_region"
        }
        content.pop("source_updated_at")
        content.pop("source_sequence")
    # Upheld or corrected: measures apply again, unless the listing ended meanwhile.
    ended = listing.status not in (*IN_FORCE, ListingStatus.SUSPENDED)
    status = listing.status if ended else ListingStatus.ACTIVE
    history = _step(listing, "objection_decided", status, now, by, reason)
    return _moved(
        listing, version, now, **content, status=status, objection=closed, history=history
    )


def earliest_repair(listing: Listing) -> date:
    """Minimum publicity before repair (DESIGN §4b): the domain's rule, else the severity's."""
    domain = load_catalogue().domain(listing.domain)
    if domain is not None and domain.repair_after_years:
        return add_months(listing.valid_from, 12 * domain.repair_after_years)
    if listing.severity is None:
        return listing.valid_from
    return add_months(
        listing.valid_from, load_catalogue().severity(listing.severity).min_publicity_months
    )


def repair(listing: Listing, request: RepairRequest, by: str, now: datetime) -> Listing:
    if listing.kind is not ListKind.BLACK:
        raise BadRequest("only black-list entries are repaired", path="listing_id")
    if listing.status not in (*IN_FORCE, ListingStatus.SUSPENDED):
        raise NotInForce(f"the listing is {listing.status.value}; nothing to repair")
    earliest = earliest_repair(listing)
    if china_date(now) < earliest:
        raise RepairTooEarly(
            f"credit repair is possible from {earliest.isoformat()} (minimum publicity period)",
            earliest=earliest.isoformat(),
        )
    status = ListingStatus.REPAIRED
    history = _step(listing, "repaired", status, now, by, f"credit repair: {request.reason}")
    return _moved(listing, after(listing, request), now, status=status, history=history)


def effective_valid_until(listing: Listing) -> date | None:
    """``valid_until`` as pushed, else the default for the domain or severity (DESIGN §4b)."""
    if listing.valid_until is not None or listing.kind is not ListKind.BLACK:
        return listing.valid_until
    domain = load_catalogue().domain(listing.domain)
    if domain is not None and domain.publicity_years:
        return add_months(listing.valid_from, 12 * domain.publicity_years)
    if listing.severity is None:
        return None
    return add_months(
        listing.valid_from, load_catalogue().severity(listing.severity).max_publicity_months
    )


def expiry_due(listing: Listing, today: date) -> bool:
    until = effective_valid_until(listing)
    return (
        listing.status in (*IN_FORCE, ListingStatus.SUSPENDED)
        and until is not None
        and until <= today
    )


def expire(listing: Listing, now: datetime) -> Listing:
    status = ListingStatus.EXPIRED
    history = _step(listing, "expired", status, now, GATEWAY, "publicity period over")
    return _moved(listing, next_version(listing.version, now), now, status=status, history=history)
