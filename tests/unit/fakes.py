"""In-memory fakes of the ports, honouring the same contracts as the AWS adapters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from gateway.delivery.batching import Batch
from gateway.delivery.planning import Delivery
from gateway.delivery.records import Attempt, DeliveryState, HttpResponse, Progress
from gateway.delivery.reevaluation_job import ReevaluationJob
from gateway.delivery.subscription import Subscription
from gateway.intake import Held
from gateway.intake.push import PushResult
from gateway.lifecycle.due import late_on
from gateway.recognition import Agreement, SourceScope
from gateway.registry import PUBLIC_KEY_TAKEN, KeyIdTaken, PlatformKey, PublicKeyTaken, Region
from gateway_client.contract import Change, within
from gateway_client.contract.errors import BatchIdReused, BatchInProgress, Conflict
from gateway_client.contract.listing import Listing, ListingStatus
from gateway_client.contract.log import LogEntry, log_entry


class InMemoryRegistry:
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.keys: dict[str, PlatformKey] = {}

    def get_region(self, code: str) -> Region | None:
        return self.regions.get(code)

    def put_region(self, region: Region) -> None:
        self.regions[region.code] = region

    def any_within(self, root: str) -> bool:
        return any(within(code, root) for code in self.regions)

    def roots_without_regions(self, roots: Collection[str]) -> list[str]:
        return [root for root in roots if not self.any_within(root)]

    def get_key(self, key_id: str) -> PlatformKey | None:
        return self.keys.get(key_id)

    def all_keys(self) -> list[PlatformKey]:
        return list(self.keys.values())

    def put_key(self, key: PlatformKey) -> None:
        held = self.keys.get(key.key_id)
        if held is not None and held.region != key.region:
            raise KeyIdTaken(f"key id {key.key_id} belongs to another region", path="key_id")
        self.keys[key.key_id] = key

    def register_key(self, key: PlatformKey) -> None:
        if key.key_id in self.keys:
            raise KeyIdTaken(f"key id {key.key_id} is registered", path="key_id")
        if any(other.material == key.material for other in self.keys.values()):
            raise PublicKeyTaken(PUBLIC_KEY_TAKEN)
        self.keys[key.key_id] = key


@dataclass(frozen=True)
class ArchivedObject:
    key: str
    body: bytes
    metadata: dict[str, str]


class InMemoryArchive:
    """A write-once bucket: every first put of a key is kept, in order."""

    def __init__(self, journal: list[str] | None = None) -> None:
        self.objects: list[ArchivedObject] = []
        self._journal = journal

    def put(self, key: str, body: bytes, metadata: Mapping[str, str]) -> bool:
        if any(held.key == key for held in self.objects):
            return False  # write-once, as S3 with If-None-Match: *
        self.objects.append(ArchivedObject(key, bytes(body), dict(metadata)))
        if self._journal is not None:
            self._journal.append(f"archive:{key}")
        return True


class RecordingErasure:
    """Remembers each erasure, and whether the listing was still stored when it ran."""

    def __init__(self, store: InMemoryListingStore) -> None:
        self.store = store
        self.erased: list[tuple[str, str, bool]] = []
        self.owners: dict[str, str] = {}

    def erase(self, listing_id: str, tombstone_id: str, owner: str = "") -> None:
        self.erased.append((listing_id, tombstone_id, listing_id in self.store.listings))
        self.owners[listing_id] = owner

    def purged(self, listing_ids: Sequence[str]) -> dict[str, str]:
        return {x: self.owners[x] for x in listing_ids if x in self.owners}


@dataclass
class _BatchRecord:
    body_sha256: str
    lease_until: datetime
    result: PushResult | None = None


class InMemoryBatchLedger:
    """Claims per (region, batch id): a finished batch replays, another body is refused."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], _BatchRecord] = {}

    def claim(
        self, region: str, batch_id: str, body_sha256: str, now: datetime, lease: timedelta
    ) -> PushResult | None:
        record = self.records.get((region, batch_id))
        if record is None:
            self.records[(region, batch_id)] = _BatchRecord(body_sha256, now + lease)
            return None
        if record.body_sha256 != body_sha256:
            raise BatchIdReused(
                f"batch id {batch_id} was already used for a different body", batch_id=batch_id
            )
        if record.result is not None:
            return record.result
        if record.lease_until < now:  # a crashed attempt: take the batch over
            record.lease_until = now + lease
            return None
        raise BatchInProgress(f"batch {batch_id} is being processed; retry shortly")

    def finish(self, region: str, batch_id: str, result: PushResult) -> None:
        self.records[(region, batch_id)].result = result


class InMemoryListingStore:
    """Listings by id; a write needs the stored version to be absent or strictly older."""

    def __init__(self, journal: list[str] | None = None) -> None:
        self.listings: dict[str, Listing] = {}
        self.provenances: dict[str, set[str]] = {}
        self.written_versions: dict[str, list[str]] = {}
        self.rescheduled: dict[str, date | None] = {}  # the tick's own ``act_on`` moves
        self._journal = journal

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        return {lid: self._held(lid) for _, lid in keys if lid in self.listings}

    def _held(self, lid: str) -> Listing:
        return self.listings[lid].model_copy(
            update={"provenances": tuple(sorted(self.provenances[lid]))}
        )

    def write(self, writes: Sequence[tuple[Listing, str | None]], region: str | None) -> set[str]:
        written: set[str] = set()
        for item, expected in writes:
            held = self.listings.get(item.listing_id)
            if (held.version if held is not None else None) != expected:
                continue
            self.listings[item.listing_id] = item
            regions = self.provenances.setdefault(item.listing_id, set())
            if region is not None:
                regions.add(region)
            self.written_versions.setdefault(item.listing_id, []).append(item.version)
            self.rescheduled.pop(item.listing_id, None)  # a write dates the listing anew
            written.add(item.listing_id)
            if self._journal is not None:
                self._journal.append(f"write:{item.listing_id}")
        return written

    def rehome(self, listing: Listing, held: Listing) -> bool:
        if self.provenances.get(listing.listing_id, set()) != set(held.provenances):
            return False
        if not self.write([(listing, held.version)], None):
            return False
        self.provenances[listing.listing_id] = set(listing.provenances)
        return True

    def held_by(self, region: str, domains: Sequence[str]) -> Iterator[Held]:
        """The source index: in force or suspended, in ``domains``, published by ``region``."""
        for lid, held in sorted(self.listings.items()):
            if (
                region in self.provenances[lid]
                and held.domain in domains
                and held.status.value in ("active", "suspended")
            ):
                yield Held(held.credit_code, lid, held.origin_region)

    def by_subject(self) -> Iterator[list[Listing]]:
        codes = sorted({held.credit_code for held in self.listings.values()})
        for code in codes:
            yield self.subject(code)

    def delete(self, listing: Listing) -> bool:
        held = self.listings.get(listing.listing_id)
        if held is None or held.version != listing.version:
            return False
        del self.listings[listing.listing_id]
        del self.provenances[listing.listing_id]
        return True

    def pending(
        self, today: date, after: str | None, limit: int
    ) -> tuple[list[Listing], str | None]:
        """Every listing the tick has not moved past ``today``: a superset of the index (the
        tick checks each listing itself), so the fake needs no retention settings."""
        return self._page(
            [
                lid
                for lid in sorted(self.listings)
                if (on := self.rescheduled.get(lid, today)) is not None and on <= today
            ],
            after,
            limit,
        )

    def late(self, today: date, after: str | None, limit: int) -> tuple[list[Listing], str | None]:
        return self._page(
            [
                lid
                for lid, held in sorted(self.listings.items())
                if (on := late_on(held)) is not None and on <= today
            ],
            after,
            limit,
        )

    def _page(
        self, ids: list[str], after: str | None, limit: int
    ) -> tuple[list[Listing], str | None]:
        """Ids in order from past ``after`` (the last id read), as DynamoDB pages a key range:
        listings leaving the index meanwhile move nothing else past the cursor."""
        ids = [lid for lid in ids if after is None or lid > after]
        following = ids[limit - 1] if len(ids) > limit else None
        return [self._held(lid) for lid in ids[:limit]], following

    def reschedule(self, listing: Listing, on: date | None) -> bool:
        held = self.listings.get(listing.listing_id)
        if held is None or held.version != listing.version:
            return False
        self.rescheduled[listing.listing_id] = on
        return True

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        for _, lid, owner in tags:
            if lid in self.listings and self.listings[lid].origin_region == owner:
                self.provenances[lid].add(region)

    def subject(self, credit_code: str) -> list[Listing]:
        return [
            held.model_copy(update={"provenances": tuple(sorted(self.provenances[lid]))})
            for lid, held in self.listings.items()
            if held.credit_code == credit_code
        ]

    def subjects(self, credit_codes: Sequence[str]) -> dict[str, list[Listing]]:
        return {code: self.subject(code) for code in credit_codes}

    def versions(self) -> dict[str, str]:
        return {lid: held.version for lid, held in self.listings.items()}


class InMemorySubscriptionStore:
    def __init__(self, *subscriptions: Subscription) -> None:
        self._items = {sub.subscription_id: sub for sub in subscriptions}
        self._retired: dict[str, set[str]] = {}
        self._deleted_by: dict[tuple[str, str], set[str]] = {}

    def put(self, subscription: Subscription) -> None:
        self._items[subscription.subscription_id] = subscription

    def get(self, subscription_id: str) -> Subscription | None:
        return self._items.get(subscription_id)

    def all(self) -> list[Subscription]:
        return list(self._items.values())

    def delete(self, subscription_id: str, by_key: str | None = None) -> None:
        gone = self._items.pop(subscription_id, None)
        if gone is not None:
            self._retired.setdefault(gone.region, set()).add(subscription_id)
            if by_key is not None:
                self._deleted_by.setdefault((gone.region, by_key), set()).add(subscription_id)

    def retired(self, region: str) -> set[str]:
        return set(self._retired.get(region, set()))

    def deleted_by(self, region: str, key_id: str) -> set[str]:
        return set(self._deleted_by.get((region, key_id), set()))

    def was_deleted(self, subscription_id: str, region: str) -> bool:
        return subscription_id in self.retired(region)

    def update(
        self, subscription_id: str, change: Callable[[Subscription], Subscription | None]
    ) -> Subscription | None:
        current = self._items.get(subscription_id)
        if current is None:
            return None
        changed = change(current)
        if changed is not None:
            self._items[subscription_id] = changed
        return changed or current

    def update_at(
        self,
        subscription_id: str,
        change: Callable[[Subscription, int], Subscription | None],
        log_size: Callable[[], int],
    ) -> Subscription | None:
        size = log_size()  # one thread: the log cannot move before the write
        return self.update(subscription_id, lambda current: change(current, size))

    def create(
        self, build: Callable[[int], Subscription], log_size: Callable[[], int]
    ) -> Subscription | None:
        subscription = build(log_size())
        taken = subscription.subscription_id in self._items
        if taken or subscription.subscription_id in self.retired(subscription.region):
            return None
        self.put(subscription)
        return subscription


class InMemoryDeliveryQueue:
    """What fan-out queued, in order."""

    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    def enqueue(self, deliveries: object, dedup_suffix: str = "", batched: object = None) -> None:
        self.sent += list(deliveries)  # type: ignore[call-overload]


class InMemoryDeliveryLog:
    """Attempts per delivery; once delivered, a delivery stays delivered."""

    def __init__(self) -> None:
        self.attempts: dict[str, list[Attempt]] = {}
        self._states: dict[str, DeliveryState] = {}
        self._tries: dict[str, int] = {}
        self._sending: dict[str, datetime] = {}
        self.lines_of: dict[str, list[str]] = {}  # a delivered batch's lines
        self.finished: list[str] = []  # batches finished for a copy of their message

    def state(self, delivery_id: str) -> DeliveryState | None:
        return self._states.get(delivery_id)

    def progress(self, delivery_id: str) -> Progress:
        state, attempts = self._states.get(delivery_id), self.attempts.get(delivery_id)
        last = attempts[-1] if attempts and state is DeliveryState.DEAD else None
        held = last.not_sent if last is not None else None
        return Progress(
            state,
            self._tries.get(delivery_id, 0),
            self._sending.get(delivery_id),
            held,
            last.at if last is not None and held is not None else None,
        )

    def begin(self, delivery_id: str, at: datetime) -> None:
        if self._states.get(delivery_id) is not DeliveryState.DELIVERED:
            self._sending[delivery_id] = at

    def record(
        self,
        delivery: Delivery | Batch,
        attempt: Attempt,
        state: DeliveryState,
        logs: Sequence[int] = (),  # a retried batch's lines: owed, which no fake asks about
    ) -> None:
        key = delivery.record_key
        self._sending.pop(key, None)
        self.attempts.setdefault(key, []).append(attempt)
        if self._states.get(key) is not DeliveryState.DELIVERED:
            self._states[key] = state
            self._tries[key] = self._tries.get(key, 0) + 1

    def forget_answers(self, delivery_id: str) -> None:
        self.attempts[delivery_id] = [
            a.model_copy(update={"response_excerpt": ""})
            for a in self.attempts.get(delivery_id, [])
        ]

    def delivered_batch(self, batch: Batch, attempt: Attempt, lines: Sequence[Delivery]) -> None:
        """The batch delivered, its lines' ids kept in it (``lines_of``), none recorded apart."""
        if self._states.get(batch.delivery_id) is not DeliveryState.DELIVERED:
            self.lines_of[batch.delivery_id] = [line.delivery_id for line in lines]
        self.record(batch, attempt, DeliveryState.DELIVERED)

    def mark_lines_dead(self, batch: Batch) -> bool:
        return self._states.get(batch.delivery_id) is not DeliveryState.DELIVERED

    def sent_in_batches(self, subscription_id: str, first: int, last: int) -> set[str]:
        """Every delivered batch's lines (the fakes' batches are one subscription's)."""
        return {line for lines in self.lines_of.values() for line in lines}

    def delivered_singly(self, delivery_ids: Sequence[str]) -> set[str]:
        return {i for i in delivery_ids if self._states.get(i) is DeliveryState.DELIVERED}

    def drop_line_record(self, delivery_id: str) -> None:
        if self._states.get(delivery_id) in (DeliveryState.DEAD, DeliveryState.RETRYING):
            del self._states[delivery_id]
            self.attempts.pop(delivery_id, None)

    def finish_batch(self, batch_id: str) -> None:
        self.finished.append(batch_id)


@dataclass(frozen=True)
class Post:
    url: str
    headers: dict[str, str]
    body: bytes
    timeout: float


@dataclass
class RecordingTransport:
    """Answers every POST with ``status`` and remembers what it was sent."""

    status: int = 200
    posts: list[Post] = field(default_factory=list)
    excerpt: str = "ok"

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        self.posts.append(Post(url, dict(headers), body, timeout))
        return HttpResponse(status=self.status, body_excerpt=self.excerpt, elapsed_ms=12)


@dataclass
class InMemoryNonces:
    """Used request ids per key until they expire, like the batches table's nonce items."""

    used: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def use(self, region: str, nonce: str, now: datetime, until: datetime) -> bool:
        held = self.used.get((region, nonce))
        if held is not None and held >= now:
            return False
        self.used[(region, nonce)] = until
        return True


class InMemoryReceipts:
    """Which subscriptions (of which regions) were delivered which listings."""

    def __init__(self) -> None:
        self.delivered: dict[str, dict[str, str]] = {}  # listing id → subscription id → region

    def deliver(self, listing_id: str, subscription_id: str, region: str) -> None:
        self.delivered.setdefault(listing_id, {})[subscription_id] = region

    def subscriptions_that_received(
        self, listing_id: str, among: Collection[str] | None = None
    ) -> set[str]:
        return set(self.delivered.get(listing_id, {}))

    def received(self, listing_id: str, region: str) -> bool:
        return region in self.delivered.get(listing_id, {}).values()


class InMemoryAgreements:
    def __init__(self, *held: Agreement) -> None:
        self.held = {a.agreement_id: a for a in held}

    def get(self, agreement_id: str) -> Agreement | None:
        return self.held.get(agreement_id)

    def all(self) -> list[Agreement]:
        return list(self.held.values())

    def put(self, agreement: Agreement) -> None:
        self.held[agreement.agreement_id] = agreement


class InMemoryReevaluations:
    """The outbox (an agreement revision saved with its job, or neither), the job store, and
    the source index's pages of listings in force, ``page_size`` keys a page."""

    def __init__(
        self, agreements: InMemoryAgreements, listings: InMemoryListingStore, page_size: int = 2
    ) -> None:
        self.agreements = agreements
        self.listings = listings
        self.page_size = page_size
        self.jobs: dict[str, ReevaluationJob] = {}
        self.dated: date | None = None
        self.held: dict[str, date] = {}
        self.saves: Counter[str] = Counter()
        self.revised: dict[str, date] = {}

    def dated_through(self) -> date | None:
        return self.dated

    def date_through(self, day: date) -> None:
        self.dated = max(day, self.dated or day)

    def held_back(self) -> dict[str, date]:
        return dict(self.held)

    def hold_back(self, held: Mapping[str, date]) -> None:
        self.held = dict(held)

    def region_saves(self, region: str) -> int:
        return self.saves[region]

    def revised_on(self, regions: Sequence[str]) -> dict[str, date]:
        return {r: self.revised[r] for r in regions if r in self.revised}

    def save(self, agreement: Agreement, job: ReevaluationJob, region_saves: int) -> None:
        if job.job_id in self.jobs or self.saves[job.region] != region_saves:
            raise Conflict(f"{job.job_id} exists", path="agreement_id")
        self.agreements.put(agreement)
        self.jobs[job.job_id] = job
        self.saves[job.region] += 1
        self.revised[job.region] = job.on

    def committed(self, job: ReevaluationJob, at: datetime) -> None:
        self.advance(job, job.model_copy(update={"committed_at": at}))

    def start(self, jobs: Sequence[ReevaluationJob]) -> list[ReevaluationJob]:
        """As the outbox does: a job and the agreements it was made with are stored together
        (an agreement stored at a later revision stays as it is)."""
        new = [job for job in jobs if job.job_id not in self.jobs]
        self.jobs.update({job.job_id: job for job in new})
        for agreement in (a for job in new for a in job.after):
            held = self.agreements.get(agreement.agreement_id)
            if held is None or held.revision < agreement.revision:
                self.agreements.put(agreement)
        return new

    def unfinished(self) -> list[str]:
        return sorted(i for i, job in self.jobs.items() if not job.finished)

    def get(self, job_id: str) -> ReevaluationJob | None:
        return self.jobs.get(job_id)

    def advance(self, held: ReevaluationJob, moved: ReevaluationJob) -> bool:
        if self.jobs[held.job_id].pages != held.pages:
            return False
        self.jobs[held.job_id] = moved
        return True

    def active_in(
        self, scope: SourceScope, page: str | None
    ) -> tuple[list[tuple[str, str]], str | None]:
        keys = sorted(
            (x.credit_code, lid)
            for lid, x in self.listings.listings.items()
            if x.status is ListingStatus.ACTIVE and scope.covers(x.origin_region)
        )
        start = int(page or 0)
        end = start + self.page_size
        return keys[start:end], str(end) if end < len(keys) else None

    def subjects(self, credit_codes: Sequence[str]) -> dict[str, list[Listing]]:
        return {code: self.listings.subject(code) for code in dict.fromkeys(credit_codes)}


class InMemoryExchangeLog:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.next: dict[str, int] = {}
        self.published: list[tuple[int, int]] = []  # (logged, queued) at each publication

    def size(self) -> int:
        return len(self.changes)

    def published_size(self) -> int:
        return len(self.changes)  # published as soon as logged

    def append(self, changes: Sequence[Change]) -> dict[str, int]:
        for change in changes:
            if change.change_id not in {c.change_id for c in self.changes}:
                self.changes.append(change)
        return {c.change_id: i + 1 for i, c in enumerate(self.changes)}

    def allocate(self, subscription_id: str, count: int) -> int:
        first = self.next.get(subscription_id, 1)
        self.next[subscription_id] = first + count
        return first

    def entries(self, start: int, limit: int) -> list[tuple[LogEntry, Change]]:
        window = range(max(start, 1), min(start + limit, len(self.changes) + 1))
        return [(log_entry(n, self.changes[n - 1]), self.changes[n - 1]) for n in window]

    def sequence_of(self, change_id: str) -> int | None:
        ids = [c.change_id for c in self.changes]
        return ids.index(change_id) + 1 if change_id in ids else None

    def sequences_of(self, listing_id: str) -> list[int]:
        return [n for n, c in enumerate(self.changes, 1) if c.listing.listing_id == listing_id]


class InMemoryTryCounter:
    """A day's tries per (asker, mask), each mask admitted only within the limit (as
    ``chalicelib.dynamodb.number_tries``)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, date, str]] = Counter()
        self.taken: dict[tuple[str, str], set[str]] = {}

    def take(
        self, asker: str, day: date, tries: Mapping[str, int], limit: int, once: str | None = None
    ) -> set[str]:
        if once is not None and (asker, once) in self.taken:
            return self.taken[asker, once]
        refused = {m for m, k in tries.items() if self.counts[asker, day, m] + k > limit}
        for masked, count in tries.items():
            if masked not in refused:
                self.counts[asker, day, masked] += count
        if once is not None:
            self.taken[asker, once] = refused
        return refused

    def give_back(self, asker: str, day: date, tries: Mapping[str, int]) -> None:
        for masked, count in tries.items():
            self.counts[asker, day, masked] -= count
