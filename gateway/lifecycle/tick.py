"""The periodic lifecycle run, driven by the due-date index instead of a scan.

The tick reads, page by page, only the listings whose ``DueDates.act_on`` has come, and for
each does what the old full walk would have done: list a broken commitment its owner's policy
lists, purge what retention allows, expire what is due. Every listing it reads leaves the
index or moves forward (the write or delete it makes recomputes the date; where no write was
needed the tick moves the date on itself), so a run cut short by its budget needs no cursor:
the next one finds what is still due. Memory holds one page, whatever the table's size.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from gateway.broken_commitment_terms import BrokenCommitmentPolicy
from gateway.lifecycle.commitments import (
    PolicyLookup,
    black_listing_ids,
    overdue,
    read_again_on,
    to_list,
    unlisted,
    withdrawn,
)
from gateway.lifecycle.due import Budget, DueDates
from gateway.lifecycle.in_force import as_on
from gateway.lifecycle.objection_timeline import overdue_entries
from gateway.lifecycle.retention import purge_due
from gateway.lifecycle.rules import expire, expiry_due
from gateway.ownership import may_change
from gateway.ports import Archive, Erasure, ListingStore, Registry
from gateway.registry import Region
from gateway_client.contract import Listing, ancestors, china_date, purge_id

PAGE = 100
"""Listings read from an index at a time: the memory a run holds."""
UNLIST_ATTEMPTS = 3
"""Reads and writes of a black listing to revoke, when another write keeps winning the race."""
PURGE_ATTEMPTS = 20
"""Deletes of an erased listing, each after reading what landed on it (``Tick._purge``)."""
OVERDUE_LISTED = 100
"""Listings whose overdue entries a tick report carries; the overdue routes page the rest."""

log = logging.getLogger("credit_gateway.lifecycle")


@dataclass
class TickReport:
    expired: int = 0
    purged: int = 0
    purged_by_region: dict[str, int] = field(default_factory=dict)
    overdue_objections: list[dict[str, str]] = field(default_factory=list)
    overdue_commitments: list[dict[str, str]] = field(default_factory=list)
    broken_commitments_listed: int = 0  # black listings made by owners' policies
    broken_commitments_unlisted: int = 0  # …revoked with the broken commitment they stood on
    checkpoint: int | None = None  # the exchange-log checkpoint the same run published
    more_due: bool = False  # the budget ran out: the next run continues
    more_overdue: bool = False  # more overdue entries than the report lists
    failed: list[str] = field(default_factory=list)  # listing ids not acted on: still due


@dataclass(frozen=True)
class Tick:
    listings: ListingStore
    archive: Archive
    registry: Registry
    dates: DueDates
    erasure: Erasure | None

    def run(self, now: datetime, budget: Budget | None = None) -> TickReport:
        """Act on what is due until done or ``budget`` says stop; then list overdue entries.

        A purge erases the other copies of the listing's content first (``Erasure``), then
        deletes the listing if it is still the version judged due: should either fail, the
        listing stays due and the next tick erases again. The stream's REMOVE becomes the
        tombstone."""
        today = china_date(now)
        report = TickReport()
        self._act_on_due(today, now, budget, report)
        self._overdue(today, report)
        if report.purged:
            self._record_purge(report, now)
        return report

    def _act_on_due(
        self, today: date, now: datetime, budget: Budget | None, report: TickReport
    ) -> None:
        """The due index page by page, until done or ``budget`` says stop. A page is let go
        before the next is read (and before the overdue page): one page held at a time.

        A listing whose action fails (an erasure that keeps failing on one of its copies) is
        reported and stays due: the run goes on with the rest, and the next run tries it again
        (hourly; review 235: moved to the next day, one failure put an expiry off a day).
        Listings failing every time never stop the others (review 233: three at the front
        stopped every run). A store that is down fails the run at its next read of the index."""
        policy_of = self._commitment_policies()
        after: str | None = None
        while not report.more_due:
            page, after = self.listings.pending(today, after, PAGE)
            for held in page:
                if budget is not None and budget():
                    report.more_due = True
                    break
                try:
                    self._act(held, today, now, policy_of, report)
                except Exception:
                    report.failed.append(held.listing_id)
                    log.exception("listing %s not acted on; it stays due", held.listing_id)
            del page  # not held while the next page is read
            if after is None:
                break

    def _act(
        self, held: Listing, today: date, now: datetime, policy_of: PolicyLookup, r: TickReport
    ) -> None:
        if withdrawn(held):
            unlisted_now = self._unlist(held, now)
            if unlisted_now is None:
                return  # its black listing still stands: the commitment stays due, a tick retries
            r.broken_commitments_unlisted += unlisted_now
        due = to_list([held], policy_of, now)  # its black listing, unless that exists
        if due and self.listings.current([(held.credit_code, x) for x in black_listing_ids(held)]):
            due = []  # listed already (a person's before ids were keyed by region: the decision's)
        if due and self.erasure is not None:  # …or was purged: never listed again
            gone = self.erasure.purged([x.listing_id for x in due])
            due = [x for x in due if x.listing_id not in gone]
        if due and self._still(held):
            r.broken_commitments_listed += len(self.listings.write([(x, None) for x in due], None))
            after = self._fresh(held)
            if after is not None and withdrawn(after):  # revoked meanwhile: unlisted at once
                r.broken_commitments_unlisted += self._unlist(after, now) or 0
        if purge_due(held, today, self.dates.retention_years, self.dates.evidence_days):
            deleted = self._purge(held)
            if deleted is not None:  # counted where it was when deleted (a move may land)
                r.purged += 1
                region = deleted.origin_region
                r.purged_by_region[region] = r.purged_by_region.get(region, 0) + 1
                return
        elif expiry_due(held, today) and self.listings.write(
            [(expire(held, now), held.version)], None
        ):
            r.expired += 1
            return
        # Nothing written (what was due needed no write, or another write won a race and
        # dated the listing itself, when this fails too): move it on, or it stays due forever.
        days = (self.dates.act_on(held, after=today), read_again_on(held, today))
        self.listings.reschedule(held, min((d for d in days if d is not None), default=None))

    def _fresh(self, held: Listing) -> Listing | None:
        return self.listings.current([(held.credit_code, held.listing_id)]).get(held.listing_id)

    def _still(self, commitment: Listing) -> bool:
        """Whether the commitment is still the version the index page held: a broken one
        revoked since is not listed black from that page (review 252: the tick listed it,
        after the owner's revocation was answered). One revoked between this read and the
        write is unlisted right after it; either way the next tick judges it afresh."""
        fresh = self._fresh(commitment)
        return fresh is not None and fresh.version == commitment.version

    def _purge(self, due: Listing) -> Listing | None:
        """Erase the listing's other copies, then delete it: the version this tick deleted.

        Judged on a fresh read (the index page may be older than a write since: a listing
        put back in force is not erased). Once erased, the listing goes whatever was written
        on it meanwhile: an erased id is never held again, and one left held would keep a
        person under an erased mark for good (review 61 F2). A push moving it
        (``gateway.intake.storing``) and a reassignment refuse a listing under the mark, so
        only such a write already past that check, or a step on the ended listing (a removal,
        an objection's decision), lands after it: each is deleted in turn, its tombstone the
        one the stubs name (``purge_id`` is the listing id's)."""
        held = self._fresh(due)
        if held is None or held.version != due.version:
            return None  # deleted, or changed since: the write that changed it dated it
        if self.erasure is not None:  # first: until the delete, a tick retries
            self.erasure.erase(held.listing_id, purge_id(held), held.origin_region)
        for _ in range(PURGE_ATTEMPTS):
            if self.listings.delete(held):
                return held
            written = self._fresh(held)
            if written is None:
                return None  # another tick's
            held = written
        return None  # twenty writes after the mark, each past its check first: not expected

    def _unlist(self, commitment: Listing, now: datetime) -> int | None:
        """Revoke every black listing made from ``commitment`` that still stands and is still
        the commitment owner's (the operator may have given one to the region that decided
        it): how many were revoked. There may be two: a release before review 360 listed a
        person's breach again once the commitment was given away, and the first revoked left
        the other standing (review 367). Writes that lose a race to another (an objection step
        on the black listing) read those again; ``None`` if any still stands after
        ``UNLIST_ATTEMPTS``, so the commitment is left due for the next tick."""
        keys = [(commitment.credit_code, x) for x in black_listing_ids(commitment)]
        revoked = 0
        for _ in range(UNLIST_ATTEMPTS):
            standing = [
                (withdrawn, black.version)
                for black in self.listings.current(keys).values()
                if (withdrawn := unlisted(black, commitment, now)) is not None
            ]
            if not standing:
                return revoked
            written = self.listings.write(standing, None)
            revoked += len(written)
            if len(written) == len(standing):
                return revoked
        return None

    def _overdue(self, today: date, report: TickReport) -> None:
        """The first page of the overdue index; ``more_overdue`` when it has more."""
        page, after = self.listings.late(today, None, OVERDUE_LISTED)
        for held in page:
            # as of today, as the overdue route judges it: a commitment whose period ended is
            # no longer owed an outcome, expired by this run or not (review 402)
            if (late := overdue(as_on(held, today), today)) is not None:
                report.overdue_commitments.append(late)
            report.overdue_objections += overdue_entries(held, today)
        report.more_overdue = after is not None

    def _record_purge(self, report: TickReport, now: datetime) -> None:
        """Keep proof that retention ran: counts only, no personal data."""
        record = {
            "at": now.isoformat(),
            "purged": report.purged,
            "by_region": report.purged_by_region,
        }
        body = json.dumps(record, sort_keys=True).encode()
        self.archive.put(f"purges/{now:%Y/%m/%d/%H%M%S}.json", body, {"kind": "purge"})

    def _commitment_policies(self) -> PolicyLookup:
        """Each owner region's broken-commitment policy: its own, else that of the nearest
        region acting for it — an ancestor that relays its sub-regions' listings (a county
        relayed by its city often has no registration of its own: review 125) — never one that
        does not act for it (review 127: a city's lists are its own call). Each region read
        once per tick."""
        known: dict[str, Region | None] = {}

        def region_of(code: str) -> Region | None:
            if code not in known:
                known[code] = self.registry.get_region(code)
            return known[code]

        def policy_of(code: str) -> BrokenCommitmentPolicy | None:
            for above in ancestors(code):
                found = region_of(above)
                if found is None or not may_change(code, above, found.relays_subregions):
                    continue
                policy = found.relayed_policy() if above != code else found.lists_broken_commitments
                if policy is not None:
                    return policy
            return None

        return policy_of
