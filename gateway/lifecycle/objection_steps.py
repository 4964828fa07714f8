"""The owner's steps on an open objection after its filing: receiving the notice (核查通知),
reporting its check (seed 002 新郑 §六(三): 信息提供科室…核实并…提交书面处理意见), and the
decision.

Each step is the next version of the listing, so it fans out and a concurrent write loses its
compare-and-set rather than undo it; each applies once, so replays and retries are no-ops.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.lifecycle.corrections import corrected_content, holds, refuse_other_listing
from gateway.lifecycle.history_reading import (
    objection_decisions,
    objections_filed,
    verified_earlier,
)
from gateway.lifecycle.objection_timeline import noticed_by, timeline
from gateway.lifecycle.requests import ObjectionDecision, VerificationReport
from gateway.lifecycle.rules import (
    STANDING,
    NotInForce,
    _moved,
    _step,
    after,
    next_version,
    refuse_stale,
)
from gateway.lifecycle.suspension import incentive
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway_client.contract import (
    OPERATOR,
    REHOMED,
    BadRequest,
    Conflict,
    Listing,
    ListingEntry,
    ListingStatus,
    NotFound,
    Objection,
    china_date,
    prolonged,
)

REFILE_AFTER_DAYS = 30


class PeriodRestarted(Conflict):
    """A platform's correction starting a black listing's or an evaluation's period later, so
    that it ends later (review 251: an owner filed an objection on its own listing and decided
    it so, restarting the period a push may not restart: ``gateway.intake.storing``)."""

    code = "period_restarted"
    default_path = "corrected_entry.valid_from"


class PeriodLengthened(Conflict):
    """A platform's correction ending a black listing's or an evaluation's period later, as a
    push may not (review 257: a court defaulter made open-ended, a severity raised, with
    nothing decided)."""

    code = "period_lengthened"
    default_path = "corrected_entry.valid_until"


class ObjectionDecided(Conflict):
    """A decision on an objection decided already with another outcome: the first stands (the
    same decision again is a replay)."""

    code = "objection_decided"
    default_path = "outcome"


class ObjectionVerified(Conflict):
    """A second verification of an objection, saying something else: the first stands (the
    same report again is a replay)."""

    code = "objection_verified"
    default_path = "note"


class DecidedRecently(Conflict):
    """The same region's objection to this listing was decided less than 30 days ago: it may
    object again after that. Without a pause a region could keep an objection open on any
    listing it received, filing as soon as each is decided, and hold off the subject's own
    (one objection is open at a time); the subject, through the operator, may file at any time."""

    code = "objection_decided_recently"
    default_path = "objection_id"


def check_refiling(listing: Listing, region: str, now: datetime) -> None:
    """Raise ``DecidedRecently`` when ``region``'s last objection to ``listing`` was decided
    within ``REFILE_AFTER_DAYS`` — looked up in the history, not only in the latest objection:
    another region's objection filed and decided since must not lift the pause (two regions
    taking turns would keep an objection open for good)."""
    own = objections_filed(listing, region)
    decided = [(at, oid) for oid, at in objection_decisions(listing) if oid in own]
    if not decided:
        return
    at, objection_id = max(decided)
    again = china_date(at) + timedelta(days=REFILE_AFTER_DAYS)
    if china_date(now) < again:
        raise DecidedRecently(
            f"{region}'s objection {objection_id} was decided on "
            f"{china_date(at).isoformat()}; it may object again from {again.isoformat()}",
            path="objection_id",
            again=again.isoformat(),
        )


def verification_status(listing: Listing, objection: Objection) -> ListingStatus:
    """The status once the owner has the notice: the verification period (核查期间) begins, and
    where the policy says so the measures are suspended for it (seed 001 二(四)6). Until then a
    filing by another region changes nothing of the owner's listing. Only punishment waits
    (``gateway.lifecycle.suspension``)."""
    if objection.suspends and listing.status is ListingStatus.ACTIVE and not incentive(listing):
        return ListingStatus.SUSPENDED
    return listing.status


def objection_named(listing: Listing, objection_id: str) -> Objection:
    """The listing's objection ``objection_id``, open or decided; 404 when it has none such."""
    objection = listing.objection
    if objection is None or objection.objection_id != objection_id:
        raise NotFound(f"no objection {objection_id} on this listing", path="objection_id")
    return objection


def receive_notice(
    listing: Listing, objection_id: str, at: datetime, by: str, workdays: WorkdayCalendar
) -> Listing | None:
    """The owner's endpoint acknowledged the notice at ``at``; ``None`` when there is nothing
    to record (noticed already, decided, or another objection by now)."""
    objection = listing.objection
    if objection is None or objection.objection_id != objection_id:
        return None
    if not objection.open or not objection.awaiting_notice:
        return None
    noticed = timeline(noticed_by(objection, at), workdays)
    reason = f"objection {objection_id}: notice received by {listing.origin_region}"
    status = verification_status(listing, objection)
    return _moved(
        listing,
        next_version(listing.version),
        at,
        status=status,
        objection=noticed,
        history=_step(listing, "objection_noticed", status, at, by, reason),
    )


def report_verified(
    listing: Listing,
    objection_id: str,
    report: VerificationReport,
    by: str,
    now: datetime,
    workdays: WorkdayCalendar,
) -> Listing | None:
    """The owner checked the record (核实); ``None`` when it already said so. Reporting proves
    the owner has the notice: one still awaited is taken as received now."""
    latest = listing.objection
    if latest is None or latest.objection_id != objection_id:
        _earlier_report(listing, objection_id, report)
        return None
    objection = objection_named(listing, objection_id)
    if objection.verified_at is not None:
        if objection.verification_note in (None, report.note) or report.version <= listing.version:
            return None  # the same report again, or an older message
        raise ObjectionVerified(
            f"objection {objection_id} was verified already, with another note",
            path="note",
        )
    if not objection.open:
        raise NotInForce(f"objection {objection_id} is decided already", path="objection_id")
    refuse_stale(listing, report, "verification")  # it checked content replaced since
    verified = noticed_by(objection, now).model_copy(
        update={"verified_at": now, "verification_note": report.note}
    )
    # the note stays on the objection, withheld where its reason is; history is read by all
    reason = f"objection {objection_id} verified"
    status = (
        verification_status(listing, objection) if objection.awaiting_notice else listing.status
    )
    return _moved(
        listing,
        after(listing, report),
        now,
        status=status,
        objection=timeline(verified, workdays),
        history=_step(listing, "objection_verified", status, now, by, reason),
    )


def _earlier_report(listing: Listing, objection_id: str, report: VerificationReport) -> None:
    """A report on an objection closed before the listing's latest was filed: a retry of the
    report it had (its note is gone with the objection, so only its version tells) is a replay;
    anything else is refused, as it would have been before the next objection came."""
    if objection_id not in objections_filed(listing):
        objection_named(listing, objection_id)  # 404: never filed here
    if not verified_earlier(listing, objection_id):
        raise NotInForce(
            f"objection {objection_id} was closed unverified before another was filed",
            path="objection_id",
        )
    if report.version > listing.version:
        raise ObjectionVerified(
            f"objection {objection_id} was verified already, and another objection has been "
            "filed since",
            path="objection_id",
        )


def decide_objection(
    listing: Listing,
    decision: ObjectionDecision,
    by: str,
    now: datetime,
    workdays: WorkdayCalendar,
) -> Listing:
    """The source platform's verdict: upheld (the listing stands), corrected, or revoked.

    Deciding proves the owner has the notice: one still awaited is taken as received now."""
    objection = listing.objection
    if objection is None or not objection.open:
        raise NotInForce("no objection is open on this listing", path="objection")
    refuse_stale(listing, decision, "decision", replaces=decision.outcome == "corrected")
    closed = timeline(
        noticed_by(objection, now).model_copy(
            update={"decided_at": now, "outcome": decision.outcome, "decision_note": decision.note}
        ),
        workdays,
    )
    reason = f"objection {objection.objection_id} {decision.outcome}"
    version = after(listing, decision)
    if listing.status not in STANDING:
        # Ended meanwhile (removed, expired, repaired): the objection closes with its outcome
        # (a step like any, sent as one), and the listing keeps its status; no content goes
        # onto it.
        if decision.outcome == "corrected":
            raise NotInForce(
                f"the listing has ended ({listing.status.value}): there is nothing in force to "
                "correct; decide upheld or revoked to close the objection",
                path="corrected_entry",
            )
        history = _step(listing, "objection_decided", listing.status, now, by, reason)
        return _moved(listing, version, now, objection=closed, history=history)
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
        refuse_other_listing(listing, entry)
        rehomed = entry.origin_region not in (None, listing.origin_region)
        if rehomed and by != OPERATOR:
            raise BadRequest(
                f"a correction keeps the listing in {listing.origin_region}: another region's "
                "listing is that region's to push",
                path="corrected_entry.origin_region",
            )
        if by != OPERATOR:
            refuse_prolonging(entry, listing)
        instead = "decide revoked to withdraw the record instead"
        content = corrected_content(listing, entry, decision, rehomed, instead)
        if rehomed:  # the operator gives the decision to the region that made it
            reason += f"{REHOMED}{listing.origin_region} → {entry.origin_region}"
    # Upheld or corrected: measures apply again.
    status = ListingStatus.ACTIVE
    history = _step(listing, "objection_decided", status, now, by, reason)
    return _moved(
        listing, version, now, **content, status=status, objection=closed, history=history
    )


def same_decision(listing: Listing, objection: Objection, decision: ObjectionDecision) -> bool:
    """Whether ``decision`` says what the objection's decision said: its outcome and note, and
    for a correction the content the listing holds (a later message saying the same is a
    replay; one saying something else is refused, never dropped in silence)."""
    if (objection.outcome, objection.decision_note) != (decision.outcome, decision.note):
        return False
    entry = decision.corrected_entry
    if decision.outcome != "corrected" or entry is None:
        return True
    if entry.origin_region not in (None, listing.origin_region):
        return False  # the operator giving it to another region: something else
    return holds(listing, entry)


def refuse_prolonging(entry: ListingEntry, listing: Listing) -> None:
    """A platform's correction may not keep a black listing or an evaluation result in force
    past the end held (``prolonged``): a longer period needs its own decision (an extension);
    the operator corrects a period that was truly longer."""
    field = prolonged(entry, listing, listing.decision_number)
    if field == "valid_from":
        raise PeriodRestarted(
            "a correction may not start the period later where its longest period counts from "
            "the start (it would end later): give a valid_until no later than the held end; a "
            "longer period needs its own decision (extension); the operator corrects a period "
            "that was truly longer",
            path="corrected_entry.valid_from",
        )
    if field is not None:
        raise PeriodLengthened(
            "a correction may not keep the listing in force past the end of the version held "
            f"({field}): a longer period needs its own decision (extension); the operator "
            "corrects a period that was truly longer",
            path=f"corrected_entry.{field}",
        )
