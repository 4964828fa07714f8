"""Listing lifecycle: removals, objections, repair and expiry, as pure transitions (retention:
``gateway.lifecycle.retention``).

Each transition returns the next version of the listing. Platform actions carry their own
version (source time + sequence), so replays and out-of-order messages are no-ops; gateway
actions (expiry, operator-filed objections) take the next version after the current one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from gateway.lifecycle.objection_policies import ObjectionPolicy
from gateway.lifecycle.objection_timeline import timeline
from gateway.lifecycle.requests import (
    ObjectionFiling,
    Removal,
    RemovalReason,
    RepairRequest,
    Stamped,
)
from gateway.lifecycle.retention import named_before
from gateway.lifecycle.suspension import incentive
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.ownership import GATEWAY
from gateway.promotion import fresh_salt
from gateway_client.contract import (
    CHINA,
    IN_FORCE,
    BadRequest,
    Conflict,
    Listing,
    ListingStatus,
    Objection,
    Transition,
    TransitionEvent,
    bad_record,
    china_date,
    effective_valid_until,
    ids_commitment_of,
    load_catalogue,
    months_after,
    version_of,
)

STANDING = IN_FORCE | {ListingStatus.SUSPENDED}
"""A listing that still applies, or will again once its objection is decided: what a removal,
a repair, an expiry or the gateway's own revocation acts on."""
EXPIRY_NOTE = "publicity period over"
REPAIR_STEP = "credit repair"  # its reason, the subject's account of its case, is the ``note``
MAX_SEQUENCE = 10**12  # a source_sequence's bound (``Stamped``, ``ListingEntry``)
_REVISION = ".g"  # sorts after the version it extends, before the source's next ("#…" digits)


class RepairTooEarly(Conflict):
    """Credit repair is asked for before the minimum publicity period has passed."""

    code = "repair_too_early"
    default_path = "listing_id"


class NotRepairable(BadRequest):
    """Credit repair is asked for a listing that is no bad credit record (a red listing, a good
    grade): the same code a pushed removal ``repaired`` is refused with."""

    code = "not_repairable"
    default_path = "listing_id"


class NotInForce(Conflict):
    """The listing is not in a state this action applies to."""

    code = "listing_not_in_force"
    default_path = "listing_id"


class ObjectionOpen(Conflict):
    """An objection is already being verified for this listing."""

    code = "objection_open"
    default_path = "listing_id"


def next_version(current: str) -> str:
    """A version after ``current`` and before any the source can stamp next, for transitions
    the gateway makes itself (an objection filed, its notice received, an expiry): the source's
    own version with a gateway revision appended (``…#0000000000002.g000001``, then ``.g000002``).
    Stamped with the gateway's clock instead, a step would outrank every message the owner made
    before it and pushed after: an update or a removal answered ``duplicate`` and dropped, by
    another region's objection (``content_version`` is what the owner's entries are held to)."""
    base, marked, revision = current.partition(_REVISION)
    return f"{base}{_REVISION}{int(revision) + 1 if marked else 1:06d}"


def stamp_after(version: str) -> tuple[datetime, int]:
    """The first source stamp (time, sequence) that sorts after ``version`` and every gateway
    revision of it: a stamp the gateway gives content that must outrank every message made
    before it (``reassignment``)."""
    base = version.partition(_REVISION)[0]
    moment, _, sequence = base.partition("#")
    at = datetime.fromisoformat(moment.removesuffix("Z")).replace(tzinfo=UTC)
    if int(sequence) < MAX_SEQUENCE:
        return at, int(sequence) + 1
    return at + timedelta(microseconds=1), 0


def content_version(listing: Listing) -> str:
    """The version of the content held: the owner's last entry's own stamp (or a correction's,
    which stamps what it puts in place). Steps that change no content (a filing, a
    verification, an upheld decision, a repair, a removal) leave it where it was."""
    return version_of(listing.source_updated_at, listing.source_sequence)


class StaleAction(Conflict):
    """A decision or repair stamped before content the owner pushed since: applied, it would
    act on (or put back) content older than what is held — an out-of-order message must change
    nothing, as a removal so stamped does not (``stale_version``)."""

    code = "stale_version"
    default_path = "source_updated_at"


def refuse_stale(listing: Listing, request: Stamped, what: str, replaces: bool = False) -> None:
    """Raise ``StaleAction`` if ``request`` is older than the content held (steps since that
    changed no content do not count), or, where it ``replaces`` the content (a correction), no
    newer: two contents at one version would be told apart by nothing."""
    held = content_version(listing)
    if request.version < held or (replaces and request.version == held):
        raise StaleAction(
            f"the {what} is stamped {request.version}, before the content held ({held}): "
            "send it again with a current source_updated_at"
        )


def after(listing: Listing, request: Stamped) -> str:
    """The version of an action that applies once by state (a decision, a repair): the source's
    own stamp when it is newer, else the gateway's next revision, so an action stamped before
    the gateway's own last step (an objection filing) is never lost."""
    if request.version > listing.version:
        return request.version
    return next_version(listing.version)


def _moved(listing: Listing, version: str, now: datetime, **changes: object) -> Listing:
    """The next version of a stored listing: every lifecycle step's. A listing stored before
    salts gets one now (``fresh_salt``): left unsalted, a full ID number of it swapped for one
    with the same mask would pass ``verify-log`` for as long as it is listed. So does one whose
    step changes what masking hides (a correction naming another person, an objection's
    words): a region shown an earlier version in full holds its salt, and could test guesses
    of the new numbers against the commitment of a masked copy (review 35)."""
    # ``listed_at`` kept, or for a listing stored before the field filled from the acceptance
    # this step moves on: left None, a later update would take the step's time as its first
    moved = listing.model_copy(
        update={
            "version": version,
            "accepted_at": now,
            "listed_at": listing.listed_at or listing.accepted_at,
            **changes,
        }
    )
    salt = listing.id_salt
    if salt is None or ids_commitment_of(moved, salt) != ids_commitment_of(listing, salt):
        salt = fresh_salt()
    update = {"id_salt": salt, **named_before(listing, moved.responsible_persons)}
    return moved.model_copy(update=update)


def _step(
    listing: Listing,
    event: TransitionEvent,
    status: ListingStatus,
    now: datetime,
    by: str,
    reason: str,
    note: str | None = None,
) -> tuple[Transition, ...]:
    step = Transition(event=event, status=status, at=now, by=by, reason=reason, note=note)
    return (*listing.history, step)


_REMOVED_TO = {
    RemovalReason.REPAIRED: ListingStatus.REPAIRED,
    RemovalReason.REVOKED: ListingStatus.REVOKED,
    RemovalReason.EXPIRED: ListingStatus.EXPIRED,
    RemovalReason.CORRECTED: ListingStatus.CORRECTED,
    RemovalReason.PERFORMED: ListingStatus.PERFORMED,
}


def removed_status(removal: Removal) -> ListingStatus:
    """The status a removal leaves its listing in."""
    return _REMOVED_TO[removal.reason]


def remove(
    listing: Listing, removal: Removal, by: str, now: datetime, why: str | None = None
) -> Listing:
    """The listing ended by ``removal``: its note (the platform's words) is the step's
    ``note``; ``why``, the gateway's own account (a resync's), is in its reason for all."""
    status = removed_status(removal)
    reason = f"removed: {removal.reason.value}" + (f" — {why}" if why else "")
    return _moved(
        listing,
        removal.version,
        now,
        status=status,
        history=_step(listing, "removed", status, now, by, reason, removal.note or None),
        performed_on=removal.performed_on,
    )


def revoke_by_gateway(listing: Listing, now: datetime, why: str) -> Listing:
    """The gateway's own removal of a listing it made (``revoked``): the next revision."""
    status = ListingStatus.REVOKED
    history = _step(listing, "removed", status, now, GATEWAY, f"removed: revoked — {why}")
    return _moved(listing, next_version(listing.version), now, status=status, history=history)


def file_objection(
    listing: Listing,
    filing: ObjectionFiling,
    by: str,
    now: datetime,
    policy: ObjectionPolicy,
    workdays: WorkdayCalendar,
    *,
    noticed: bool = True,
) -> Listing:
    """Open an objection; where the owner's policy says so, suspend the listing's measures.

    ``noticed``: the owner itself files, so it has the notice now (收到核查通知之日 = the filing
    day); else the objection awaits the owner's acknowledgement of the ``objection.filed``
    notice, and a deadline counted from the notice is not known until then.
    """
    if listing.objection is not None and listing.objection.open:
        raise ObjectionOpen(
            f"objection {listing.objection.objection_id} is still open", path="objection_id"
        )
    if listing.status not in IN_FORCE:
        raise NotInForce(f"the listing is {listing.status.value}; nothing to object to")
    objection = Objection(
        objection_id=filing.objection_id,
        filed_at=now,
        filed_by=by,
        reason=filing.reason,
        deadline=None,
        deadline_basis="",
        suspends=policy.suspends,
        on_behalf=filing.on_behalf,
        awaiting_notice=not noticed,
        notified_at=now if noticed else None,
        terms=policy,
    )
    # The verification period (核查期间), and with it any suspension, begins with the notice: a
    # filing the owner has not yet received leaves the owner's listing as it is.
    # only punishment waits (``gateway.lifecycle.suspension``)
    suspends = policy.suspends and noticed and not incentive(listing)
    status = ListingStatus.SUSPENDED if suspends else listing.status
    history = _step(
        listing, "objection_filed", status, now, by, f"objection {filing.objection_id} filed"
    )
    return _moved(
        listing,
        next_version(listing.version),
        now,
        status=status,
        objection=timeline(objection, workdays),
        history=history,
    )


def earliest_repair(listing: Listing) -> date:
    """Minimum publicity before repair (DESIGN §4b): the domain's rule, else the severity's."""
    domain = load_catalogue().domain(listing.domain)
    if (
        domain is not None
        and domain.repair_after_years is not None
        and domain.sets_period(listing.severity)
    ):
        return months_after(listing.valid_from, 12 * domain.repair_after_years)
    if listing.severity is None:
        return listing.valid_from
    return months_after(
        listing.valid_from, load_catalogue().severity(listing.severity).min_publicity_months
    )


def repair(listing: Listing, request: RepairRequest, by: str, now: datetime) -> Listing:
    if not bad_record(listing):
        raise NotRepairable(
            "only bad credit records (black-list entries, poor grades) are repaired"
        )
    if listing.status not in STANDING:
        raise NotInForce(f"the listing is {listing.status.value}; nothing to repair")
    earliest = earliest_repair(listing)
    if china_date(now) < earliest:
        raise RepairTooEarly(
            f"credit repair is possible from {earliest.isoformat()} (minimum publicity period)",
            earliest=earliest.isoformat(),
        )
    refuse_stale(listing, request, "repair")
    status = ListingStatus.REPAIRED
    history = _step(listing, "repaired", status, now, by, REPAIR_STEP, request.reason)
    return _moved(listing, after(listing, request), now, status=status, history=history)


def repaired_as(listing: Listing, request: RepairRequest) -> bool:
    """Whether the listing's repair (its latest) was for ``request``'s reason: the same
    repair sent again is a replay; another one is refused, never dropped in silence."""
    step = next((s for s in reversed(listing.history) if s.event == "repaired"), None)
    if step is None:
        return False
    # a repair made before the reason moved to ``note`` carries it in its step's reason
    return (step.note or step.reason.removeprefix(f"{REPAIR_STEP}: ")) == request.reason


def expiry_due(listing: Listing, today: date) -> bool:
    until = effective_valid_until(listing)
    return listing.status in STANDING and until is not None and until <= today


def expired_at(listing: Listing) -> datetime:
    """When a listing due to expire stopped applying, as every read judges it (``as_on``): the
    first moment of its period's end day, or its last step's if later (the history in order)."""
    until = effective_valid_until(listing)
    ended = listing.accepted_at if until is None else datetime.combine(until, time(), CHINA)
    return max(ended, listing.history[-1].at) if listing.history else ended


def expire(listing: Listing, now: datetime) -> Listing:
    """The tick's expiry, its step dated as reads dated it (never after ``now``): a tick run
    late recorded its own time, so the history differed from what lookups showed, the month
    counted the expiry late and a red listing's retention ran from it (review 290)."""
    status = ListingStatus.EXPIRED
    at = min(expired_at(listing), now)
    history = _step(listing, "expired", status, at, GATEWAY, EXPIRY_NOTE)
    return _moved(listing, next_version(listing.version), now, status=status, history=history)
