"""Lifecycle actions against the store: read, check who may act, transition, compare-and-set."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.lifecycle.commitments import PolicyLookup, overdue, to_list
from gateway.lifecycle.freshness import check_action
from gateway.lifecycle.objection_policies import PolicyBook
from gateway.lifecycle.objection_steps import (
    check_refiling,
    objection_named,
    receive_notice,
    report_verified,
)
from gateway.lifecycle.objection_timeline import overdue_entries
from gateway.lifecycle.requests import (
    ObjectionDecision,
    ObjectionFiling,
    RepairRequest,
    VerificationReport,
)
from gateway.lifecycle.retention import EVIDENCE_DAYS, purge_due
from gateway.lifecycle.rules import (
    GATEWAY,
    OPERATOR,
    decide_objection,
    expire,
    expiry_due,
    file_objection,
    repair,
)
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.ownership import NotListingOwner, may_change, not_owner_message
from gateway.ports import Archive, Erasure, ListingStore, Receipts, Registry
from gateway.registry import BrokenCommitmentPolicy
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    BadRequest,
    Clock,
    Conflict,
    Listing,
    ListingStatus,
    NotFound,
    china_date,
    purge_id,
    within,
)


class ListingChanged(Conflict):
    """Someone else changed the listing meanwhile; read it again and retry."""

    code = "listing_changed"


class NotARecipient(NotListingOwner):
    """The region neither owns the listing nor received it through a subscription of its own,
    so it has nothing to object to (seed 001 §二(四)6: the regions carrying out the measures)."""

    code = "listing_not_received"


NOTICE_ATTEMPTS = 3  # a notice lost to a concurrent write is read and applied again


@dataclass
class TickReport:
    expired: int = 0
    purged: int = 0
    purged_by_region: dict[str, int] = field(default_factory=dict)
    overdue_objections: list[dict[str, str]] = field(default_factory=list)
    overdue_commitments: list[dict[str, str]] = field(default_factory=list)
    broken_commitments_listed: int = 0  # black listings made by owners' policies
    checkpoint: int | None = None  # the exchange-log checkpoint the same run published


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
        self._receipts = receipts  # without: only the owner's chain and the operator may file
        self._registry = registry
        self._evidence_days = evidence_days
        self._erasure = erasure  # the app always passes one; without, only the listing goes
        self._tolerance = tolerance
        self._listings = listings
        self._archive = archive
        self._clock = clock
        self._policies = policies
        self._workdays = workdays
        self._retention_years = retention_years

    def listing(self, credit_code: str, listing_id: str) -> Listing:
        found = self._listings.current([(credit_code, listing_id)]).get(listing_id)
        if found is None:
            raise NotFound(f"no listing {listing_id} for this credit code", path="listing_id")
        return found

    def owned_listing(self, credit_code: str, listing_id: str, region: str | None) -> Listing:
        """The listing, for its owner's chain or the operator (``None``); 403 for others."""
        held = self.listing(credit_code, listing_id)
        self._as_owner(held, region)
        return held

    def _as_owner(self, listing: Listing, region: str | None) -> str:
        """Who acts: the operator (``None``), or a region that owns the listing or relays for
        its owner; any other region is refused before anything is read further."""
        if region is None:
            return OPERATOR
        known = self._registry.get_region(region)
        relays = known is not None and known.relays_subregions
        if not may_change(listing.origin_region, region, relays):
            raise NotListingOwner(not_owner_message(region, listing.origin_region))
        return region

    def _save(self, held: Listing, moved: Listing) -> Listing:
        if not self._listings.write([(moved, held.version)], None):
            raise ListingChanged("the listing changed meanwhile; read it again and retry")
        return moved

    def _filer(
        self, listing: Listing, region: str | None, filing: ObjectionFiling
    ) -> tuple[str, bool]:
        """Who files, if they may, and whether the owner thereby has the notice: the owner's
        chain (yes), the operator on the subject's request, or a region whose subscription was
        delivered the listing (no) — a right to object, not to change: the decision stays the
        owner's (``_as_owner``)."""
        if region is None:
            if filing.on_behalf != "subject":
                raise BadRequest("the operator files on the subject's request", path="on_behalf")
            return OPERATOR, False
        known = self._registry.get_region(region)
        if may_change(listing.origin_region, region, known is not None and known.relays_subregions):
            return region, True
        if self._receipts is None or region not in self._receipts.regions_that_received(
            listing.listing_id
        ):
            raise NotARecipient(
                f"{region} was never delivered this listing: only its owner, a region that "
                "received it by subscription, or the operator may object",
                path="listing_id",
            )
        check_refiling(listing, region, self._clock.now())
        return region, False

    def file_objection(
        self, credit_code: str, listing_id: str, filing: ObjectionFiling, region: str | None
    ) -> tuple[Listing, bool]:
        """File an objection; anyone but the owner's chain leaves it awaiting the owner's notice
        (the ``objection.filed`` event fan-out sends to the owner's subscriptions)."""
        held = self.listing(credit_code, listing_id)
        by, noticed = self._filer(held, region, filing)
        if held.objection is not None and held.objection.objection_id == filing.objection_id:
            return held, False  # the same filing again
        policy = self._policies.for_listing(held.origin_region, held.domain)
        if not noticed and by != OPERATOR:
            # A recipient region's objection is a notice to the owner, never a suspension of
            # the owner's listing: else any subscriber could keep any listing suspended
            # everywhere, filing after filing. The owner suspends by filing itself.
            policy = policy.model_copy(update={"suspends": False})
        moved = file_objection(
            held, filing, by, self._clock.now(), policy, self._workdays, noticed=noticed
        )
        return self._save(held, moved), True

    def notice_received(
        self, credit_code: str, listing_id: str, objection_id: str, at: datetime
    ) -> bool:
        """The owner's endpoint acknowledged the ``objection.filed`` notice at ``at``: the
        deadline now counts from that day. Idempotent: the first receipt stored counts."""
        for _ in range(NOTICE_ATTEMPTS):
            found = self._listings.current([(credit_code, listing_id)]).get(listing_id)
            if found is None:
                return False
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
        by = self._as_owner(held, region)
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
        by = self._as_owner(held, region)
        now = self._clock.now()
        check_action(decision, now, self._tolerance, decision.corrected_entry)
        if not objection_named(held, objection_id).open:
            return held, False  # decided already: a replay
        moved = decide_objection(held, decision, by, now, self._workdays)
        return self._save(held, moved), True

    def repair(
        self, credit_code: str, listing_id: str, request: RepairRequest, region: str | None
    ) -> tuple[Listing, bool]:
        held = self.listing(credit_code, listing_id)
        by = self._as_owner(held, region)
        now = self._clock.now()
        check_action(request, now, self._tolerance)
        if held.status is ListingStatus.REPAIRED:
            return held, False  # repaired already: a replay
        return self._save(held, repair(held, request, by, now)), True

    def tick(self) -> TickReport:
        """Expire what is due, purge what retention allows, list overdue objections.

        A purge erases the other copies of the listing's content first (``Erasure``), then
        deletes the listing if it is still the version judged due: should either fail, the
        listing stays and the next tick erases again. The stream's REMOVE becomes the tombstone.
        """
        now = self._clock.now()
        today = china_date(now)
        report = TickReport()
        policy_of = self._commitment_policies()
        for listings in self._listings.by_subject():
            due = to_list(listings, policy_of, now)
            if due:  # a broken commitment its owner's policy lists, not yet listed
                listed = self._listings.write([(x, None) for x in due], None)
                report.broken_commitments_listed += len(listed)
            for held in listings:
                if (late := overdue(held, today)) is not None:
                    report.overdue_commitments.append(late)
                if purge_due(held, today, self._retention_years, self._evidence_days):
                    if self._erasure is not None:  # first: until the delete, a tick retries
                        self._erasure.erase(held.listing_id, purge_id(held))
                    if self._listings.delete(held):
                        report.purged += 1
                        region = held.origin_region
                        report.purged_by_region[region] = report.purged_by_region.get(region, 0) + 1
                elif expiry_due(held, today):
                    written = self._listings.write([(expire(held, now), held.version)], None)
                    report.expired += len(written)
                else:
                    report.overdue_objections += overdue_entries(held, today)
        if report.purged:
            self._record_purge(report, now)
        return report

    def _record_purge(self, report: TickReport, now: datetime) -> None:
        """Keep proof that retention ran: counts only, no personal data."""
        record = {
            "at": now.isoformat(),
            "purged": report.purged,
            "by_region": report.purged_by_region,
        }
        body = json.dumps(record, sort_keys=True).encode()
        self._archive.put(f"purges/{now:%Y/%m/%d/%H%M%S}.json", body, {"kind": "purge"})

    def _commitment_policies(self) -> PolicyLookup:
        """Each owner region's broken-commitment policy, read once per tick."""
        known: dict[str, BrokenCommitmentPolicy | None] = {}

        def policy_of(code: str) -> BrokenCommitmentPolicy | None:
            if code not in known:
                region = self._registry.get_region(code)
                known[code] = region.broken_commitments if region else None
            return known[code]

        return policy_of

    def overdue_commitments(self, region: str | None) -> list[dict[str, str]]:
        """Open commitments past their deadline, of ``region``'s subtree (``None``: all)."""
        today = china_date(self._clock.now())
        return [
            late
            for listings in self._listings.by_subject()
            for held in listings
            if (region is None or within(held.origin_region, region))
            and (late := overdue(held, today)) is not None
        ]

    def overdue_objections(self) -> list[dict[str, str]]:
        """Per open objection, each step past its deadline and the decision, if late."""
        today = china_date(self._clock.now())
        return [
            late
            for listings in self._listings.by_subject()
            for held in listings
            for late in overdue_entries(held, today)
        ]
