"""Lifecycle actions against the store: read, check who may act (``acting``), transition,
compare-and-set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gateway.lifecycle.acting import Actors, absent
from gateway.lifecycle.due import Budget, DueDates
from gateway.lifecycle.freshness import (
    PeriodEnded,
    check_action,
    check_corrected,
    retention_problem,
)
from gateway.lifecycle.history_reading import earlier_outcome, former_owners, objections_filed
from gateway.lifecycle.history_room import FILING_STEP_BYTES, check_room, room_for
from gateway.lifecycle.in_force import as_on
from gateway.lifecycle.objection_policies import PolicyBook
from gateway.lifecycle.objection_steps import (
    ObjectionDecided,
    check_refiling,
    decide_objection,
    objection_named,
    receive_notice,
    report_verified,
    same_decision,
)
from gateway.lifecycle.performance_correction import corrected_performance
from gateway.lifecycle.reassignment import (
    PurgeUnderWay,
    given_to,
    held_once,
    reassign,
    replayed,
)
from gateway.lifecycle.requests import (
    ObjectionDecision,
    ObjectionFiling,
    PerformanceCorrection,
    Reassignment,
    RepairRequest,
    VerificationReport,
)
from gateway.lifecycle.retention import EVIDENCE_DAYS
from gateway.lifecycle.rules import (
    NotInForce,
    file_objection,
    repair,
    repaired_as,
)
from gateway.lifecycle.tick import Tick, TickReport
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.ownership import GATEWAY
from gateway.ports import Archive, Erasure, ListingStore, Receipts, Registry
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    IN_FORCE,
    OPERATOR,
    BadRequest,
    Clock,
    Conflict,
    Listing,
    ListingStatus,
    Objection,
    china_date,
    in_chain,
)


class ListingChanged(Conflict):
    """Someone else changed the listing meanwhile; read it again and retry."""

    code = "listing_changed"
    default_path = "listing_id"


class ObjectionIdReused(Conflict):
    """An objection id names one filing: sent again with another reason or basis
    (``on_behalf``), it is refused, not answered as a replay that silently drops the new
    content."""

    code = "objection_id_reused"
    default_path = "objection_id"


OPERATOR_ROOM = room_for(OPERATOR)
NOTICE_ATTEMPTS = 3  # a notice lost to a concurrent write is read and applied again


class LifecycleService:
    def __init__(
        self,
        listings: ListingStore,
        archive: Archive,
        clock: Clock,
        policies: PolicyBook,
        workdays: WorkdayCalendar,
        retention_years: int,
        registry: Registry,
        tolerance: timedelta = DEFAULT_TOLERANCE,
        evidence_days: int = EVIDENCE_DAYS,
        erasure: Erasure | None = None,
        receipts: Receipts | None = None,
    ) -> None:
        self._actors = Actors(registry, receipts)
        self._evidence_days = evidence_days
        self._erasure = erasure  # the app always passes one; without, only the listing goes
        self._tolerance = tolerance
        self._listings = listings
        self._archive = archive
        self._clock = clock
        self._policies = policies
        self._workdays = workdays
        self._retention_years = retention_years
        dates = DueDates(retention_years, evidence_days)
        self._tick = Tick(listings, archive, registry, dates, erasure)

    def listing(self, credit_code: str, listing_id: str) -> Listing:
        """The listing as lookups read it today (``as_on``): an action on its period's end day
        finds it ended, as it would once the tick has run (reviews 125, 127), and writes the
        expiry with its own step; its version is the stored one its write is conditioned on."""
        found = self._listings.current([(credit_code, listing_id)]).get(listing_id)
        if found is None:
            raise absent(listing_id)
        return as_on(found, china_date(self._clock.now()))

    def owned_listing(self, credit_code: str, listing_id: str, region: str | None) -> Listing:
        """The listing, for its owner's chain or the operator (``None``); 403 for others."""
        held = self.listing(credit_code, listing_id)
        self._actors.owner(held, region, acting=False)
        return held

    def _save(self, held: Listing, moved: Listing, room: int | None = None) -> Listing:
        """``moved`` stored over ``held``; given to another region, with that region's
        provenance and those of the old ones that relay for it now (review 141: its new owner's
        resync never found it; review 143: nor then a relaying city's, the move between two
        of its counties) — never the old owner's, nor any owner's before it: a region that
        listed it in its own name relayed nothing, and its resync of its own list ended the
        listing it was given away from (review 392). ``room``: a round starts, refused past
        it (``check_room``), once every other refusal has had its say (review 382)."""
        moving = moved.origin_region != held.origin_region
        if moving:
            today = china_date(self._clock.now())
            purged = self._erasure.purged if self._erasure is not None else _none_purged
            held_once(self._listings.current, purged, held, moved.origin_region, today)
        if room is not None:
            check_room(moved, room)
        if moving:
            owner = moved.origin_region
            listed_it = {held.origin_region, *former_owners(held)}  # in their own names
            relaying = {
                p
                for p in in_chain(held.provenances, owner) - listed_it
                if self._actors.may_act(moved, p)
            }
            moved = moved.model_copy(update={"provenances": tuple(sorted(relaying | {owner}))})
            saved = self._listings.rehome(moved, held)
        else:
            saved = bool(self._listings.write([(moved, held.version)], None))
        if not saved:
            raise ListingChanged("the listing changed meanwhile; read it again and retry")
        return moved

    def filed_before(
        self, credit_code: str, listing_id: str, filing: ObjectionFiling, region: str | None
    ) -> bool:
        """Whether ``filing`` is the listing's objection as ``region`` filed it: its retry, a
        replay whoever may see the listing now (review 353: a person's listing ended or no
        longer recognised answered its own filer 404)."""
        held = self.listing(credit_code, listing_id)
        return _filed_as(held.objection, filing, OPERATOR if region is None else region)

    def file_objection(
        self, credit_code: str, listing_id: str, filing: ObjectionFiling, region: str | None
    ) -> tuple[Listing, bool]:
        """File an objection; anyone but the owner's chain leaves it awaiting the owner's notice
        (the ``objection.filed`` event fan-out sends to the owner's subscriptions)."""
        held = self.listing(credit_code, listing_id)
        held_objection = held.objection
        if _filed_as(held_objection, filing, OPERATOR if region is None else region):
            # before who may file now: its filer's retry is a replay whatever changed since
            # (review 290: a city whose relaying was turned off was told it never received it)
            return held, False
        by, noticed = self._actors.filer(held, region, filing)
        if held_objection is not None and held_objection.objection_id == filing.objection_id:
            # Not its filer's same filing (a replay, above): to any region but the filer the
            # same answer whatever it sends, or a masked recipient could confirm a withheld
            # reason by guessing it.
            raise ObjectionIdReused(
                f"objection {filing.objection_id} was filed with other content; "
                "a new objection needs a new id",
                path="objection_id",
            )
        if filing.objection_id in objections_filed(held):
            raise ObjectionIdReused(
                f"objection {filing.objection_id} was filed on this listing before; "
                "a new objection needs a new id",
                path="objection_id",
            )
        if held.status in IN_FORCE or held.status is ListingStatus.SUSPENDED:
            # before the refusals that lift in time (the pause, an open objection): on that
            # day a full history would be the answer still (review 383)
            check_room(held, room_for(by), adding=FILING_STEP_BYTES)
        policy = self._policies.for_listing(held.origin_region, held.domain)
        if by != OPERATOR:
            # After the replay comparison: the same filing again, decided since, is a replay
            # (review 36), not a new objection within the pause. The owner's chain too: its
            # filings and decisions in a loop grew the listing's history, sent whole with every
            # change, until its writes failed (review 292).
            check_refiling(held, by, self._clock.now())
        if not noticed and by != OPERATOR:
            # A recipient region's objection is a notice to the owner, never a suspension of
            # the owner's listing: else any subscriber could keep any listing suspended
            # everywhere, filing after filing. The owner suspends by filing itself; and only
            # punishment waits for the check (``gateway.lifecycle.suspension``).
            policy = policy.model_copy(update={"suspends": False})
        moved = file_objection(
            held, filing, by, self._clock.now(), policy, self._workdays, noticed=noticed
        )
        return self._save(held, moved), True

    def notice_received(
        self,
        credit_code: str,
        listing_id: str,
        objection_id: str,
        at: datetime,
        by_region: str | None = None,
    ) -> bool:
        """The owner's endpoint acknowledged the ``objection.filed`` notice at ``at``: the
        deadline now counts from that day. Idempotent: the first receipt stored counts. A
        receipt by a region (``by_region``) that may no longer act for the owner — a province
        whose relaying was turned off while the notice was retried — is no owner's receipt,
        and is not recorded (review 213: it started the deadline and suspended the listing)."""
        for _ in range(NOTICE_ATTEMPTS):
            found = self._listings.current([(credit_code, listing_id)]).get(listing_id)
            if found is None or not self._actors.may_act(found, by_region):
                return False
            found = as_on(found, china_date(at))  # as it stood when the notice came
            moved = receive_notice(found, objection_id, at, GATEWAY, self._workdays)
            if moved is None:
                return False
            if self._listings.write([(moved, found.version)], None):
                return True
        raise ListingChanged("the listing kept changing while its notice was recorded")

    def report_verified(
        self,
        credit_code: str,
        listing_id: str,
        objection_id: str,
        report: VerificationReport,
        region: str | None,
    ) -> tuple[Listing, bool]:
        """The owner reports that it checked the objected record (the ``verified`` step)."""
        held = self.listing(credit_code, listing_id)
        by = self._actors.owner(held, region)
        now = self._clock.now()
        check_action(report, now, self._tolerance)
        moved = report_verified(held, objection_id, report, by, now, self._workdays)
        if moved is None:
            return held, False  # reported already: a replay
        return self._save(held, moved), True

    def decide_objection(
        self,
        credit_code: str,
        listing_id: str,
        objection_id: str,
        decision: ObjectionDecision,
        region: str | None,
    ) -> tuple[Listing, bool]:
        held = self.listing(credit_code, listing_id)
        by = self._actors.owner(held, region)
        now = self._clock.now()
        ended: PeriodEnded | None = None
        try:
            check_action(
                decision, now, self._tolerance, decision.corrected_entry, self._retention_years
            )
        except PeriodEnded as problem:  # since the decision was first sent: a replay's answer
            ended = problem  # stays the replay's (review 306)
        if decision.corrected_entry is not None and decision.outcome != "corrected":
            raise BadRequest(  # else dropped unread: the caller would think it corrected
                f"corrected_entry goes with outcome corrected; {decision.outcome} keeps or "
                "ends the listing as it is",
                path="corrected_entry",
            )
        entry = decision.corrected_entry
        if entry is not None and entry.origin_region not in (None, held.origin_region):
            self._actors.may_be_given(entry.origin_region, entry.domain, by)
        latest = held.objection
        if latest is None or latest.objection_id != objection_id:
            outcome = earlier_outcome(held, objection_id)
            if outcome is not None:  # decided before another objection was filed
                if decision.version <= held.version or outcome == decision.outcome:
                    return held, False  # an older message, or the same outcome again
                raise ObjectionDecided(
                    f"objection {objection_id} was decided {outcome} already, and another "
                    "objection has been filed since",
                    path="outcome",
                )
        named = objection_named(held, objection_id)
        if not named.open and (
            decision.version <= held.version or same_decision(held, named, decision)
        ):
            return held, False  # a message older than what is held, or the same decision again
        if not named.open:  # a later message that would decide it again otherwise
            differs = (named.outcome != decision.outcome, named.decision_note != decision.note)
            path = "outcome" if differs[0] else "note" if differs[1] else "corrected_entry"
            raise ObjectionDecided(
                f"objection {objection_id} was decided {named.outcome} already", path=path
            )
        if ended is not None:
            raise ended
        moved = decide_objection(held, decision, by, now, self._workdays)
        return self._save(held, moved), True

    def reassign(
        self, credit_code: str, listing_id: str, request: Reassignment
    ) -> tuple[Listing, bool]:
        """The operator's: give the listing to the region that made its decision, that
        region's entry in force (``gateway.lifecycle.reassignment``)."""
        held = self.listing(credit_code, listing_id)
        self._not_under_purge(listing_id, "it cannot be put in force")
        now = self._clock.now()
        check_corrected(  # a listing past its retention is put in force by no one (review 356)
            request.corrected_entry, now, self._tolerance, self._retention_years, held
        )
        if replayed(held, request):
            return held, False
        self._actors.may_be_given(given_to(request), request.corrected_entry.domain, OPERATOR)
        return self._save(held, reassign(held, request, now), OPERATOR_ROOM), True

    def correct_performance(
        self, credit_code: str, listing_id: str, request: PerformanceCorrection
    ) -> tuple[Listing, bool]:
        """The operator's: the day a performed listing's obligation was performed, corrected
        (``gateway.lifecycle.performance_correction``)."""
        held = self.listing(credit_code, listing_id)
        self._not_under_purge(listing_id, "its day performed is erased with it")
        now = self._clock.now()
        over = retention_problem(held, china_date(now), self._retention_years, held)
        if over is not None and request.performed_on != held.performed_on:  # a replay is one
            # still (review 362); another day would be sent to every subscriber (review 359)
            raise PeriodEnded(over[2], path="listing_id")
        moved = corrected_performance(held, request, now)
        return (held, False) if moved is None else (self._save(held, moved, OPERATOR_ROOM), True)

    def _not_under_purge(self, listing_id: str, why: str) -> None:
        """The purge deletes whatever lands on a listing it has marked: a step would be lost."""
        if self._erasure is not None and self._erasure.purged([listing_id]):
            raise PurgeUnderWay(f"retention is erasing this listing: {why}")

    def repair(
        self, credit_code: str, listing_id: str, request: RepairRequest, region: str | None
    ) -> tuple[Listing, bool]:
        held = self.listing(credit_code, listing_id)
        by = self._actors.owner(held, region)
        now = self._clock.now()
        check_action(request, now, self._tolerance)
        if held.status is ListingStatus.REPAIRED:
            if request.version <= held.version or repaired_as(held, request):
                return held, False  # a replay: an older message, or the same repair again
            raise NotInForce(
                "the listing was repaired already, for another reason: nothing to repair",
                path="reason",
            )
        return self._save(held, repair(held, request, by, now)), True

    def tick(self, budget: Budget | None = None) -> TickReport:
        """Expire what is due, purge what retention allows, list broken commitments its
        owner's policy lists, until done or ``budget`` says stop (``tick.Tick``)."""
        return self._tick.run(self._clock.now(), budget)


def _none_purged(listing_ids: Sequence[str]) -> dict[str, str]:
    """No erasure wired (a service built without retention): nothing was purged."""
    return {}


def _filed_as(held: Objection | None, filing: ObjectionFiling, by: str) -> bool:
    """Whether ``held`` is ``filing`` as ``by`` filed it: the same id and content."""
    return held is not None and (
        held.objection_id,
        held.filed_by,
        held.reason,
        held.on_behalf,
    ) == (filing.objection_id, by, filing.reason, filing.on_behalf)
