"""A large upload split into ranges ingested at once (``gateway.intake.bulk_ranges``): whatever
order the ranges run in, cut short or crashed and retried, duplicated, the stored listings, the
counts and the line-numbered errors are those of one invocation ingesting the file alone; a
resync removes only once every range is done; small uploads stay one range."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from builders import CITY
from fakes import InMemoryListingStore
from test_bulk_ingest import (
    NOW,
    Gateway,
    errors_of,
    listing_of,
    mixed_file,
    ndjson,
    resync,
    row,
    totals,
)

from gateway.intake import bulk_removal
from gateway.intake.bulk import Upload, UploadStatus
from gateway.intake.bulk_batches import LINES_PER_BATCH
from gateway.intake.bulk_ingest import BulkIngest
from gateway.intake.bulk_ranges import RangeState
from gateway.intake.bulk_terms import BulkPolicy, UploadBusy
from gateway.intake.push import MAX_REPORTED_ERRORS
from gateway.intake.storing import store
from gateway_client.contract import china_date
from gateway_client.contract.listing import Listing, ListingStatus

RANGE = 100  # entries a range holds here (20,000 in production)
Pick = Callable[[list[int]], int]
FIRST: Pick = lambda pending: 0  # noqa: E731
LAST: Pick = lambda pending: len(pending) - 1  # noqa: E731


class RecordingQueue:
    def __init__(self) -> None:
        self.pending: list[int] = []
        self.sent = 0
        self.continued: list[bool] = []  # whether the upload's lease was free then, each time
        self.lease_free: Callable[[], bool] = lambda: True

    def ingest_ranges(self, region: str, upload_id: str, indexes: Sequence[int]) -> None:
        assert (region, upload_id) == (CITY, "u-1")
        self.pending += indexes
        self.sent += len(indexes)

    def continue_later(self, region: str, upload_id: str) -> None:
        assert (region, upload_id) == (CITY, "u-1")
        self.continued.append(self.lease_free())


class Ranged(Gateway):
    """The gateway with an upload queue: a file over ``RANGE`` entries is split."""

    def __init__(self, threshold: float = 0.10, range_lines: int = RANGE) -> None:
        super().__init__(threshold)
        self.queue = RecordingQueue()
        self.ingest = BulkIngest(
            self.uploads,
            self.files,
            self.listings,
            self.listings,
            self.clock,
            self.registry,
            BulkPolicy(removal_threshold=threshold, range_lines=range_lines),
            queue=self.queue,
            purged=lambda ids: {},
        )
        self.queue.lease_free = self._lease_free

    def _lease_free(self) -> bool:
        """Whether another invocation could take the upload's lease now."""
        taken = self.uploads.lease(CITY, "u-1", "probe", NOW, NOW + timedelta(seconds=1))
        if taken:
            self.uploads.release(CITY, "u-1", "probe")
        return taken

    def step(self, pick: Pick = FIRST, out_of_time: Callable[[], bool] = lambda: False) -> None:
        """One range message, as the handler runs it (queued again when time ran out)."""
        index = self.queue.pending.pop(pick(self.queue.pending))
        run = self.ingest.process_range(CITY, "u-1", index, out_of_time)
        if run is not None and not run.after.done:
            self.queue.ingest_ranges(CITY, "u-1", [index])

    def drain(self, pick: Pick = FIRST) -> Upload:
        while self.queue.pending:
            self.step(pick)
        return self.view()

    def view(self) -> Upload:
        upload = self.uploads.get(CITY, "u-1")
        assert upload is not None
        return upload

    def ranges_of(self) -> list[RangeState]:
        return self.uploads.ranges(CITY, "u-1", self.view().ranges)


def one_run(content: bytes, *held: dict[str, Any], **mode: Any) -> Gateway:
    whole = Gateway()
    whole.seed(*held)
    assert whole.run(content, **mode).status is UploadStatus.COMPLETED
    return whole


# --- the compare-and-set alone ----------------------------------------------------------------


def test_the_compare_and_set_lets_the_newest_version_win_in_either_order_but_not_a_tie() -> None:
    """Why lines naming one listing are set aside: the store's compare-and-set by version makes
    the newest version win whichever write comes first, but two contents of one version are
    decided by who writes first."""
    old, new = listing_of(row(1)), listing_of(row(1, version=5))
    same_version = listing_of(row(1, reason="another reason"))
    held: dict[str, Listing] = {}
    for first, second in ((old, new), (new, old), (old, same_version), (same_version, old)):
        listings = InMemoryListingStore()
        store(listings, [(1, first)], CITY, True, lambda ids: {}, china_date(NOW))
        store(listings, [(2, second)], CITY, True, lambda ids: {}, china_date(NOW))
        held[f"{first.version}/{second.version}/{first.reason}"] = listings.listings[old.listing_id]
    assert len({x.model_dump_json() for x in held.values()}) == 3  # new twice, then each tie
    assert held[f"{old.version}/{new.version}/{old.reason}"].version == new.version
    assert held[f"{new.version}/{old.version}/{new.reason}"].version == new.version


# --- split, in any order ------------------------------------------------------------------------


@pytest.mark.parametrize("pick", [FIRST, LAST], ids=["in order", "last first"])
def test_a_split_upload_reaches_the_result_of_one_run_in_either_order(pick: Pick) -> None:
    content = mixed_file(4 * RANGE + 37)  # broken lines, exact repeats, blank lines
    whole = one_run(content)

    gateway = Ranged()
    split = gateway.run(content)
    assert (split.status, split.ranges) == (UploadStatus.INGESTING, 6)  # 5 spans + repeats
    assert gateway.queue.pending == [0, 1, 2, 3, 4]  # the repeats' range waits for them
    done = gateway.drain(pick)

    assert totals(done) == totals(whole.uploads.get(CITY, "u-1"))
    assert gateway.snapshot() == whole.snapshot()
    assert gateway.uploads.leases == {}


@pytest.mark.parametrize("pick", [FIRST, LAST], ids=["in order", "last first"])
def test_one_listing_on_lines_of_different_ranges_is_decided_in_file_order(pick: Pick) -> None:
    rows: list[Any] = [row(i) for i in range(1, 3 * RANGE + 1)]
    rows[RANGE + 4] = row(1, reason="the same version again, other words")  # a tie: line 1 wins
    rows[2 * RANGE + 9] = row(2, version=7)  # newer than line 2
    rows[2 * RANGE + 10] = row(3, version=0)  # older than line 3 (below)
    rows[2] = row(3, version=9)
    content = ndjson(rows)
    whole = one_run(content)

    gateway = Ranged()
    gateway.run(content)
    [last] = gateway.ranges_of()[-1:]
    assert last.only == (1, 2, 3, RANGE + 5, 2 * RANGE + 10, 2 * RANGE + 11)
    done = gateway.drain(pick)

    assert gateway.snapshot() == whole.snapshot()
    assert totals(done) == totals(whole.uploads.get(CITY, "u-1"))
    held = gateway.listings.listings
    assert held[listing_of(row(1)).listing_id].reason == row(1)["reason"]
    assert held[listing_of(row(2)).listing_id].version == listing_of(row(2, version=7)).version
    assert held[listing_of(row(3)).listing_id].version == listing_of(row(3, version=9)).version


def test_a_small_upload_stays_one_range_without_messages() -> None:
    gateway = Ranged()
    upload = gateway.run(ndjson([row(i) for i in range(1, RANGE + 1)]))
    assert (upload.status, upload.ranges, upload.accepted) == (UploadStatus.COMPLETED, 1, RANGE)
    assert gateway.queue.sent == 0


# --- progress, retries and duplicates ----------------------------------------------------------


def test_the_upload_shows_the_sums_of_its_ranges_while_they_run() -> None:
    rows: list[Any] = [row(i) for i in range(1, 3 * RANGE + 1)]
    rows[10], rows[RANGE + 20] = "{broken", {**row(999), "credit_code": "123"}
    gateway = Ranged()
    gateway.run(ndjson(rows))

    gateway.step(LAST)
    gateway.step(FIRST)
    halfway = gateway.view()

    assert (halfway.status, halfway.lines, halfway.accepted, halfway.rejected) == (
        UploadStatus.INGESTING,
        2 * RANGE,
        2 * RANGE - 1,
        1,
    )
    assert errors_of(halfway) == [(11, "", "malformed_json")]
    done = gateway.drain()
    assert (done.lines, done.accepted, done.rejected) == (3 * RANGE, 3 * RANGE - 2, 2)
    assert errors_of(done) == [
        (11, "", "malformed_json"),
        (RANGE + 21, "credit_code", "invalid_credit_code"),
    ]
    assert done.line == 3 * RANGE


def test_errors_over_the_cap_keep_the_first_lines_across_ranges() -> None:
    bad = ["{" for _ in range(MAX_REPORTED_ERRORS + 2 * RANGE)]
    gateway = Ranged()
    gateway.run(ndjson(bad))
    done = gateway.drain(LAST)

    assert (done.rejected, len(done.errors), done.errors_truncated) == (
        len(bad),
        MAX_REPORTED_ERRORS,
        True,
    )
    assert [e.line for e in done.errors] == list(range(1, MAX_REPORTED_ERRORS + 1))


def test_a_range_cut_short_resumes_and_a_duplicate_message_changes_nothing() -> None:
    content = mixed_file(5 * LINES_PER_BATCH)
    whole = one_run(content)
    gateway = Ranged(range_lines=2 * LINES_PER_BATCH)  # two batches a range
    gateway.run(content)

    gateway.step(FIRST, out_of_time=lambda: True)  # stops after its first batch, queued again
    cut = gateway.ranges_of()[0]
    assert (cut.done, cut.lines, gateway.queue.pending[-1]) == (False, LINES_PER_BATCH, 0)
    gateway.queue.pending.append(0)  # and a duplicate of a range already done later
    done = gateway.drain(LAST)

    assert totals(done) == totals(whole.uploads.get(CITY, "u-1"))
    assert gateway.snapshot() == whole.snapshot()


def test_a_crashed_range_is_retried_to_the_same_listings() -> None:
    content = ndjson([row(i) for i in range(1, 3 * RANGE + 1)])
    whole = one_run(content)
    gateway = Ranged()
    gateway.run(content)
    writes = gateway.listings.write
    crash = {"after": 1}

    def crashing(batch: Any, region: str | None) -> set[str]:
        crash["after"] -= 1
        if crash["after"] < 0:
            raise RuntimeError("the invocation died")
        return writes(batch, region)

    gateway.listings.write = crashing  # type: ignore[method-assign]
    gateway.step(FIRST)
    with pytest.raises(RuntimeError):
        gateway.step(FIRST)
    gateway.listings.write = writes  # type: ignore[method-assign]
    gateway.uploads.leases.clear()  # the crashed run's lease ran out
    gateway.queue.pending.insert(0, 1)  # SQS delivers the crashed message again
    done = gateway.drain()

    assert gateway.snapshot() == whole.snapshot()
    assert done.status is UploadStatus.COMPLETED
    assert (done.lines, done.accepted + done.duplicate) == (3 * RANGE, 3 * RANGE)


def test_a_message_for_a_range_being_ingested_is_retried_later() -> None:
    gateway = Ranged()
    gateway.run(ndjson([row(i) for i in range(1, 2 * RANGE + 1)]))
    assert gateway.uploads.lease(CITY, "u-1", "running", NOW, NOW + timedelta(minutes=16), 1)

    with pytest.raises(UploadBusy):
        gateway.ingest.process_range(CITY, "u-1", 1)


def test_a_revoked_key_stops_the_ranges_and_keeps_what_they_counted() -> None:
    gateway = Ranged()
    gateway.run(ndjson([row(i) for i in range(1, 3 * RANGE + 1)]))
    gateway.step()
    key = gateway.registry.get_key(f"{CITY}-k1")
    assert key is not None
    gateway.registry.put_key(key.model_copy(update={"valid_until": NOW - timedelta(minutes=1)}))

    done = gateway.drain()

    assert (done.status, done.refusal and done.refusal.code) == ("refused", "key_revoked")
    assert done.accepted == RANGE == len(gateway.listings.listings)


# --- a resync ---------------------------------------------------------------------------------


def test_a_split_resync_removes_once_every_range_is_done_and_only_then() -> None:
    held = [row(i) for i in range(1, 3 * RANGE + 1)]
    kept = [r for at, r in enumerate(held) if at % 20]  # 5 % absent
    whole = one_run(ndjson(kept), *held, **resync("court_defaulter"))
    gateway = Ranged()
    gateway.seed(*held)
    gateway.run(ndjson(kept), **resync("court_defaulter"))

    gateway.step(LAST)
    gateway.step(LAST)
    waiting = gateway.view()
    assert (waiting.status, waiting.removal) == (UploadStatus.INGESTING, "pending")
    assert gateway.status(held[0]) is ListingStatus.ACTIVE
    done = gateway.drain()
    again = gateway.ingest.process(CITY, "u-1", None)  # a late duplicate notification

    assert (done.removal, done.removed) == ("applied", len(held) // 20)
    assert again == done
    assert totals(done) == totals(whole.uploads.get(CITY, "u-1"))
    assert gateway.snapshot() == whole.snapshot()


def test_a_split_resync_short_of_time_queues_its_removals_on_once_its_lease_is_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Queued while the lease was held, the continuation picked up at once would find the
    upload busy and wait out the queue's visibility timeout, a receive counted each time."""
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", RANGE // 2)
    held = [row(i) for i in range(1, 3 * RANGE + 1)]
    kept = held[: 2 * RANGE]  # a third absent: two batches of removals
    gateway = Ranged()
    gateway.seed(*held)
    gateway.run(ndjson(kept), **resync("court_defaulter", force=True))

    while gateway.queue.pending:
        index = gateway.queue.pending.pop(0)
        gateway.ingest.process_range(CITY, "u-1", index, lambda: True)  # short of time
    cut = gateway.view()
    assert (cut.removal, cut.removed, gateway.queue.continued) == ("pending", RANGE // 2, [True])

    done = gateway.ingest.process(CITY, "u-1", None)  # the continuation
    assert done is not None
    assert (done.removal, done.removed, done.status) == ("applied", RANGE, UploadStatus.COMPLETED)
