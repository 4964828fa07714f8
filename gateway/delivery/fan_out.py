"""Fan-out of one batch of changes: log them, plan one delivery per (change, matching
subscription) — and per past recipient for a change that settles a listing, and the owner's
objection notice — flag the subjects whose intensified punishment flips, number and queue it
(a batched subscription's changes as one file: ``gateway.delivery.batching``).

The listings stream hands a batch at least once; every id here is deterministic, so a batch
fanned out twice queues only copies the delivery side recognises.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date

from gateway.delivery.batch_writing import Batcher
from gateway.delivery.batching import Batch
from gateway.delivery.intensified import plan_intensified
from gateway.delivery.objection_notices import (
    Owner,
    filtered_out,
    formerly_matched,
    newly_awaiting,
    owners_of,
    plan_notices,
    settles,
)
from gateway.delivery.planning import (
    Delivery,
    Planned,
    planned_deliveries,
    replace_listings,
    stamped,
)
from gateway.delivery.ports import (
    AgreementStore,
    DeliveryQueue,
    ExchangeLog,
    Receipts,
    SubscriptionStore,
)
from gateway.delivery.red_yield import plan_yield
from gateway.delivery.subscription import Subscription
from gateway.delivery.terms import Copies, owed_at
from gateway.ports import ListingStore, Registry
from gateway.recognition import Agreement, revisions, rewards
from gateway_client.contract import Change, ChangeType, Clock, Listing, ListKind, china_date

_RESERVERS = 8  # subscriptions' sequence numbers reserved at once

Step = tuple[Change, Listing | None]
"""A change, and its listing as it was before (``None``: new)."""

_Context = tuple[list[Agreement], dict[str, list[Listing]], dict[Owner, frozenset[str]]]
"""The agreements, the subjects' listings as the batch leaves them, and who acts for the
owner of each listing with an objection awaiting its notice (``owners_of``)."""


class FanOut:
    def __init__(
        self,
        listings: ListingStore,
        subscriptions: SubscriptionStore,
        agreements: AgreementStore,
        log: ExchangeLog,
        queue: DeliveryQueue,
        receipts: Receipts,
        publish: Callable[[], object],
        batcher: Batcher | None = None,
        registry: Registry | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.batcher = batcher  # batched subscriptions' files (``gateway.delivery.batching``)
        self.registry = registry  # relay policies: who acts for an objection notice's owner
        # the day it plans on: a change of yesterday fanned out after midnight is recognised
        # as today's agreements say, not overriding what today's date jobs sent (review 130)
        self.clock = clock
        self.receipts = receipts
        self.publish = publish  # tiles and a signed checkpoint for what is logged
        self.listings = listings
        self.subscriptions = subscriptions
        self.agreements = agreements
        self.log = log
        self.queue = queue

    def run(self, steps: Sequence[Step], log: Callable[[], Mapping[str, int]] | None = None) -> int:
        """Log and fan out the batch's changes, in order; how many deliveries were queued.

        ``log`` logs the batch and gives every change's sequence (the stream handler logs
        with the statistics and the person index); by default the changes are appended here.
        What planning needs (agreements, the subjects' listings) is read while the batch is
        logged; the subscriptions only once it is logged, so each change is planned by the
        terms in force when it was logged (``gateway.delivery.terms``); the deliveries are
        planned and numbered while the batch is published: neither depends on the other, and
        the log's requests are most of the way to every webhook. Nothing is queued before both
        are done, so every delivery is still under a signed checkpoint. (A publication that
        fails leaves the numbers it reserved unused, as a queue that fails does: a
        subscription's ``sequence`` may skip, never repeat.)"""
        with ThreadPoolExecutor(max_workers=1) as worker:
            context = worker.submit(self._context, steps) if steps else None
            logged = log() if log is not None else self.log.append([c for c, _ in steps])
            if context is None:
                return 0
            planned = worker.submit(self._planned, steps, logged, context)
            self.publish()  # before anyone is told: every delivery is under a signed checkpoint
            subscriptions, numbered, queued = planned.result()
            if revisions(self.agreements.all()) != revisions(context.result()[0]):
                # an agreement saved while this was planned: its re-evaluation may restate
                # these listings before this batch is queued, and the batch, planned on the
                # agreements before, would then have the last word (review 295); planned
                # again (new numbers: a sequence may skip), its files written anew (review
                # 396: kept, the file written first went out, its lines as planned before)
                if self.batcher is not None:
                    self.batcher.discard(queued)
                fresh = worker.submit(self._context, steps)
                subscriptions, numbered, queued = self._planned(steps, logged, fresh)
        if numbered:
            # queued by the modes planning saw: no second read of every subscription
            batched = {s.subscription_id for s in subscriptions if s.delivery_mode == "batched"}
            self.queue.enqueue(queued, batched=batched)
        return len(numbered)

    def _planned(
        self, steps: Sequence[Step], logged: Mapping[str, int], context: Future[_Context]
    ) -> tuple[list[Subscription], list[Delivery], list[Delivery | Batch]]:
        """The subscriptions read (after the batch was logged), the batch's deliveries
        numbered, and what to queue (a batched subscription's as one file)."""
        subscriptions = self.subscriptions.all()
        if not subscriptions:
            return [], [], []
        agreements, subjects, owners = context.result()
        numbered = self._numbered(steps, logged, subscriptions, (agreements, subjects, owners))
        if self.batcher is None or not numbered:
            return subscriptions, numbered, list(numbered)
        return subscriptions, numbered, self.batcher.batched(numbered, subscriptions)

    def _numbered(
        self,
        steps: Sequence[Step],
        logged: Mapping[str, int],
        subscriptions: list[Subscription],
        context: _Context,
    ) -> list[Delivery]:
        """The batch's deliveries, numbered: per (change, matching subscription), the objection
        notices, and the subjects' flipped flags."""
        agreements, subjects, owners = context
        today = china_date(self.clock.now()) if self.clock is not None else None
        deliveries: list[Delivery | Planned] = []  # built as ``stamped`` numbers them
        copies: Copies = {}
        for change, previous in steps:
            owed = owed_at(subscriptions, logged.get(change.change_id), copies)
            left_out = filtered_out(change, owed)  # only they need a receipt
            received = (
                self.receipts.subscriptions_that_received(change.listing.listing_id, left_out)
                if settles(change, previous) and left_out
                else set()
            ) | formerly_matched(change, previous, owed)
            subject = subjects.get(change.listing.credit_code, ())
            on = _later(china_date(change.occurred_at), today)
            deliveries += planned_deliveries(
                change, owed, agreements, received=received, subject=subject, on=on
            )
            deliveries += plan_notices(change, previous, owed, agreements, owners)
        # (listing, subscription) the batch's own changes reach: they carry the new standing
        # (a notice's recognition is not yielded: review 401)
        planned = {
            (d.change.listing.listing_id, d.subscription_id)
            for d in deliveries
            if d.type == "listing.changed"
        }
        for code, black in black_steps_by_subject(steps).items():
            after = subjects[code]
            before = replace_listings(after, first_previous(black))
            trigger = black[-1][0]
            on = _later(china_date(trigger.occurred_at), today)
            owed = owed_at(subscriptions, logged.get(trigger.change_id), copies)
            held = self.receipts.subscriptions_that_received
            deliveries += plan_intensified(trigger, before, after, owed, agreements, on, held)
            deliveries += plan_yield(trigger, before, after, planned, owed, agreements, on, held)
        firsts = self._reserved(deliveries)
        return stamped(deliveries, logged, lambda subscription_id, _count: firsts[subscription_id])

    def _reserved(self, deliveries: Sequence[Delivery | Planned]) -> dict[str, int]:
        """Each subscription's block of sequence numbers for ``deliveries`` (its first), the
        subscriptions' reservations made at once: one round trip each, thirty-one for as many
        provinces, which one after another were most of the time between planning and the
        files being written."""
        counts = Counter(d.subscription_id for d in deliveries)
        with ThreadPoolExecutor(max_workers=min(_RESERVERS, len(counts) or 1)) as pool:
            firsts = pool.map(self.log.allocate, counts, counts.values())
            return dict(zip(counts, firsts, strict=True))

    def _context(self, steps: Sequence[Step]) -> _Context:
        """The agreements and the subjects, read ahead whoever subscribes: the subscriptions
        are read only once the batch is logged (a gateway with none reads these for nothing)."""
        awaiting = [
            (c.listing.origin_region, c.listing.domain)
            for c, before in steps
            if newly_awaiting(c, before)
        ]
        return (
            self.agreements.all(),
            self._subjects_after(steps),
            owners_of(awaiting, self.registry),
        )

    def _subjects_after(self, steps: Sequence[Step]) -> dict[str, list[Listing]]:
        """All listings of each subject with a black or red change in the batch, as the batch
        leaves them: black changes may flip intensified punishment and the red lists' standing,
        and a red change's incentives depend on the subject's black listings. The subjects are
        read together (concurrently where the store can); a purge's tombstone (its code masked)
        reads nothing."""
        touched: dict[str, dict[str, Listing | None]] = defaultdict(dict)
        for change, _ in steps:
            listing = change.listing
            standing = listing.kind is ListKind.BLACK or rewards(listing)  # what yields to what
            if standing and change.type is not ChangeType.PURGED:
                touched[listing.credit_code][listing.listing_id] = listing
        held = self.listings.subjects(list(touched))
        return {code: replace_listings(held[code], latest) for code, latest in touched.items()}


def _later(day: date, today: date | None) -> date:
    return day if today is None else max(day, today)


def black_steps_by_subject(steps: Sequence[Step]) -> dict[str, list[Step]]:
    """The black-list steps, by credit code: the ones that may flip an intensified flag.

    A purged listing was not in force, so it flips nobody's flag (and its tombstone's code is
    masked): it is left out.
    """
    grouped: dict[str, list[Step]] = defaultdict(list)
    for change, previous in steps:
        if change.listing.kind is ListKind.BLACK and change.type is not ChangeType.PURGED:
            grouped[change.listing.credit_code].append((change, previous))
    return grouped


def first_previous(steps: Sequence[Step]) -> dict[str, Listing | None]:
    """Each listing as it was before the first of these steps touched it."""
    earliest: dict[str, Listing | None] = {}
    for change, previous in steps:
        earliest.setdefault(change.listing.listing_id, previous)
    return earliest
