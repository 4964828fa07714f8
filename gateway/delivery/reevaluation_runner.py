"""Running a re-evaluation job (``gateway.delivery.reevaluation_job``).

A run walks only the listings in force whose origin the agreement covers, one page of the
source index at a time, reads just the page's subjects, queues their deliveries and saves where
it stands; a run that runs out of time leaves the rest to the next. Memory holds one page,
whatever the size of the table. Delivery ids are deterministic, so a page walked twice (a run
that died before saving its place) only queues copies the delivery side drops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

from gateway.delivery.planning import Delivery
from gateway.delivery.ports import AgreementStore, DeliveryQueue, Receipts, SubscriptionStore
from gateway.delivery.reevaluation import Comparison, subject_changes
from gateway.delivery.reevaluation_job import ReevaluationJob, as_it_stands
from gateway.delivery.subscription import Subscription
from gateway.lifecycle import as_on
from gateway.recognition import SourceScope, revisions
from gateway_client.contract import Clock, Listing, ListingStatus, china_date

Key = tuple[str, str]
"""(credit code, listing id)"""


class ListingPages(Protocol):
    def active_in(self, scope: SourceScope, page: str | None) -> tuple[list[Key], str | None]:
        """One page of the listings in force whose origin ``scope`` covers (from the page
        token ``page``; ``None``: the first), and the next page's token (``None``: the last)."""
        ...

    def subjects(self, credit_codes: Sequence[str]) -> dict[str, list[Listing]]:
        """Every listing of each subject."""
        ...


class ReevaluationJobs(Protocol):
    def get(self, job_id: str) -> ReevaluationJob | None: ...

    def advance(self, held: ReevaluationJob, moved: ReevaluationJob) -> bool:
        """Store ``moved`` if the stored job is still ``held``; False when another run has
        moved it on meanwhile (that run goes on; this one stops)."""
        ...


class ReevaluationRunner:
    def __init__(
        self,
        jobs: ReevaluationJobs,
        listings: ListingPages,
        subscriptions: SubscriptionStore,
        queue: DeliveryQueue,
        agreements: AgreementStore,
        clock: Clock,
        receipts: Receipts | None = None,
    ) -> None:
        self.receipts = receipts  # who was delivered a listing their filters leave out now
        self.clock = clock  # the day a job runs, which may be past its own
        self.jobs = jobs
        self.listings = listings
        self.subscriptions = subscriptions
        self.queue = queue
        self.agreements = agreements

    def run(self, job_id: str, running_out: Callable[[], bool]) -> ReevaluationJob | None:
        """Walk the job's pages until it is finished or ``running_out()``; the job as it was
        left (unfinished: to be continued), ``None`` when it is unknown or another run has
        taken it over."""
        job = self.jobs.get(job_id)
        if job is None or job.finished:
            return job
        subscribers = [s for s in self.subscriptions.all() if s.region == job.region]
        if not subscribers:  # nobody to tell: finished without walking a page
            done = job.model_copy(update={"pages": job.pages + 1, "finished": True})
            return done if self.jobs.advance(job, done) else None
        while not job.finished and not running_out():
            moved = self._walk(job, subscribers)
            if moved is None:
                return None
            job = moved
        return job

    def _walk(
        self, job: ReevaluationJob, subscribers: Sequence[Subscription]
    ) -> ReevaluationJob | None:
        """One page: its changes queued and the job stored past it (``None``: another run has
        moved it on). The page's keys and deliveries end with this call, so the next page is
        read with none of them held."""
        keys, next_page = self.listings.active_in(job.sources[job.scope], job.page)
        deliveries = self._page(job, keys, subscribers)
        self.queue.enqueue(deliveries)
        moved = job.moved_on(next_page, len(deliveries))
        return moved if self.jobs.advance(job, moved) else None

    def _page(
        self, job: ReevaluationJob, keys: Sequence[Key], subscribers: Sequence[Subscription]
    ) -> list[Delivery]:
        """The page's listings' changes; a subject's intensified flag goes with its first
        covered listing in force (by id), so it is queued once however the pages fall.

        Listing versions accepted after the job's ``cutoff`` are not reported: their stream
        records came after the revision was committed, so their own fan-out read the agreements
        as changed. One accepted between the revision's time and its commit (milliseconds;
        without the stamp, up to ``SAVE_WINDOW``) may have been fanned out on the old agreements
        and is compared again: at worst the subscriber hears the same recognition twice, never
        none. Every listing of the subject stays in its context all the same, whenever it was
        listed or changed (a black listing in force that red measures yield to, a domain the
        intensified flag counts): what the job sends about the others must agree with what
        that listing's own fan-out told (review 130: one listed since was left out, and the job
        then restored red incentives it held back, or dropped a flag it kept raised). A flag
        its fan-out told already may be told again; never contradicted.
        """
        if not keys:
            return []
        on_page = {listing_id for _, listing_id in keys}
        comparison = self._comparison(job)
        cutoff = job.cutoff()
        day = max(job.on, china_date(self.clock.now()))
        deliveries: list[Delivery] = []
        for held in self.listings.subjects([code for code, _ in keys]).values():
            # Compared as stored, as fan-out told them (review 297: judged as the tick will
            # have them, a flag raised on a listing ended at midnight was never lowered); but
            # one whose period ended at midnight is not restated before the tick ends it and
            # tells so (review 295: told recognised, its person in full)
            reported = {
                x.listing_id
                for x in held
                if x.listing_id in on_page and x.accepted_at <= cutoff and as_on(x, day) is x
            }
            # the flag goes with a listing the job walks: one listed since may sort first on a
            # page already walked, and the flag would never be told (review 131)
            walked = [
                x.listing_id
                for x in held
                if x.status is ListingStatus.ACTIVE
                and job.covers(x)
                and (x.listed_at is None or x.listed_at <= cutoff)
            ]
            deliveries += subject_changes(
                held,
                comparison,
                subscribers,
                listed=partial(_among, reported),
                flags=bool(walked) and min(walked) in on_page,
                received=self.receipts.subscriptions_that_received if self.receipts else None,
            )
        return deliveries

    def _comparison(self, job: ReevaluationJob) -> Comparison:
        """The job's comparison; against the region's agreements as they are now when they
        are not the ones the job was made with, and as in effect today when it runs after its
        day. Jobs run in any order (a lost trigger is started again by the tick, a long job
        walks past midnight), so an older job running last would otherwise have the last word
        with recognition no longer in force; now every job ends on what is in force. Told
        apart by revision, not by time: two saves at once each read the other's agreement as
        it was, and the one stamped earlier may commit last (review 109 F1)."""
        current = tuple(a for a in self.agreements.all() if a.subscriber_region == job.region)
        after = job.after if revisions(job.after) == revisions(current) else current
        today = china_date(self.clock.now())
        if today > job.on:
            after = tuple(as_it_stands(a, today, job.on) for a in after)
        return job.model_copy(update={"after": after}).comparison()


def _among(listing_ids: set[str], listing: Listing) -> bool:
    return listing.listing_id in listing_ids
