"""The exchange log's per-listing index stays small however many changes one listing has
(``chalicelib.dynamodb.log_compaction``): every change is still found, logged once, erased."""

from __future__ import annotations

import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integration_support import SOURCE_UPDATED_AT, listing
from test_dynamo_exchange_log import changes, everything, purge_of

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.item_size import item_size
from chalicelib.dynamodb.log_writes import ChunkWrites
from chalicelib.dynamodb.statistics import DynamoStatistics
from chalicelib.s3_archive import S3Archive
from gateway.delivery.redelivery import Erased
from gateway_client.contract.change import Change, change_between

_fresh = itertools.count(20_000, 100)  # each test's (and example's) own listings
COMPACT_AT = 4


def exchange_log(aws: Any, compact_at: int = COMPACT_AT) -> DynamoExchangeLog:
    return DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
        compact_at=compact_at,
    )


@pytest.fixture
def log(aws: Any) -> DynamoExchangeLog:
    return exchange_log(aws)


def history(count: int) -> list[Change]:
    """``count`` changes of one listing: its first version, then one a day."""
    made = changes(1, first=next(_fresh))
    for day in range(1, count):
        later = listing(
            credit_code=made[0].listing.credit_code,
            updated_at=SOURCE_UPDATED_AT + timedelta(days=day),
        )
        change = change_between(later, made[-1].listing)
        assert change is not None
        made.append(change)
    return made


def index(aws: Any, listing_id: str) -> dict[str, Any]:
    reply = aws.dynamodb.get_item(
        TableName=aws.env["CG_EXCHANGE_LOG_TABLE"], Key={"pk": {"S": f"listing#{listing_id}"}}
    )
    return dict(reply.get("Item", {}))


def claims_in(item: dict[str, Any]) -> int:
    return sum(name.startswith("chg_") for name in item)


def appended(log: DynamoExchangeLog, made: list[Change], step: int) -> dict[str, int]:
    sequences: dict[str, int] = {}
    for start in range(0, len(made), step):
        sequences |= log.append(made[start : start + step])
    return sequences


def test_a_listing_with_many_changes_keeps_its_index_small_and_every_change_found(log, aws):
    made = history(60)
    listing_id = made[0].listing.listing_id
    sizes, counts = [], []

    for start in range(0, len(made), 3):  # three changes a stream batch
        log.append(made[start : start + 3])
        item = index(aws, listing_id)
        sizes.append(item_size(item))
        counts.append(claims_in(item))

    assert max(counts) < COMPACT_AT  # compacted whenever an append reaches the mark
    assert max(sizes) < 600  # without compaction it held 60 claims: ≈ 3.3 KB, and growing
    assert int(index(aws, listing_id)["pages"]["N"]) >= 60 // (COMPACT_AT + 3)
    expected = {c.change_id: i for i, c in enumerate(made, start=1)}
    assert log.append(made) == expected  # found again: nothing logged twice
    assert log.size() == 60
    assert log.sequences_of(listing_id) == list(range(1, 61))
    assert [body for _, body in everything(log)] == made


def test_with_the_default_mark_the_index_stays_under_a_kilobyte_so_a_claim_bills_one_wru(
    aws, monkeypatch
):
    log = DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )
    made = history(50)
    listing_id = made[0].listing.listing_id
    compact, peaks = log._compact_crowded, []

    def measured(claims: Any) -> None:  # the item at its largest: just before compaction
        peaks.append(item_size(index(aws, listing_id)))
        compact(claims)

    monkeypatch.setattr(log, "_compact_crowded", measured)
    appended(log, made, 1)  # a change a day

    assert max(peaks) < 1024
    assert log.sequences_of(listing_id) == list(range(1, 51))


def test_every_crowded_listing_of_a_batch_is_compacted(log, aws):
    histories = [history(6) for _ in range(3)]
    batch = [c for changes_of_a_day in zip(*histories, strict=True) for c in changes_of_a_day]

    sequences = log.append(batch)

    assert sequences == {c.change_id: i for i, c in enumerate(batch, start=1)}
    for made in histories:
        assert claims_in(index(aws, made[0].listing.listing_id)) == 0
        assert log.sequences_of(made[0].listing.listing_id) == sorted(
            sequences[c.change_id] for c in made
        )


def test_retried_and_bisected_batches_of_compacted_changes_log_nothing_twice(log, aws):
    made = history(40)
    expected = appended(log, made, 5)
    assert claims_in(index(aws, made[0].listing.listing_id)) == 0  # all compacted

    for step in (40, 7, 1):  # a re-drive, Lambda's bisections, one by one
        assert appended(log, made[::-1], step) == expected
    assert log.size() == 40
    assert [e.sequence for e, _ in everything(log)] == list(range(1, 41))


def test_changes_logged_and_compacted_by_another_just_before_this_one_reads_are_found(
    log, aws, monkeypatch
):
    made = history(12)
    other = exchange_log(aws)
    snapshot, heads = log._snapshot, []

    def after_the_other(*args: Any) -> Any:
        heads.append(args)
        if len(heads) == 1:  # as this appender's claims go: the other logs and compacts them
            other.append(made)
        return snapshot(*args)

    monkeypatch.setattr(log, "_snapshot", after_the_other)
    sequences = log.append(made[8:])

    assert sequences == {c.change_id: i for i, c in enumerate(made, start=1) if i > 8}
    assert log.size() == 12


def test_claims_a_late_attempt_adds_back_after_compaction_are_compacted_again(
    log, aws, monkeypatch
):
    made = history(12)
    listing_id = made[0].listing.listing_id
    other = exchange_log(aws)
    claim, fired = ChunkWrites.before_transaction, []

    def after_the_other(writes: ChunkWrites, *args: Any) -> Any:
        if not fired:  # between this attempt's first reads and its claims
            fired.append(True)
            other.append(made)
        return claim(writes, *args)

    monkeypatch.setattr(ChunkWrites, "before_transaction", after_the_other)
    sequences = log.append(made[4:])

    assert sequences == {c.change_id: i for i, c in enumerate(made, start=1) if i > 4}
    assert log.size() == 12
    assert claims_in(index(aws, listing_id)) == 0  # its 8 claims settled by the markers
    assert log.sequences_of(listing_id) == list(range(1, 13))


def test_compacted_changes_count_as_settled_by_their_chunk(log, aws):
    made = history(12)
    tallies = {c.change_id: {("230900", "2026-12", "pushed"): 1} for c in made}
    statistics = DynamoStatistics(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])

    def counters(summed: Any) -> list[Any]:
        return statistics.updates(summed, SOURCE_UPDATED_AT)

    for start in range(0, 12, 4):
        log.append_counted(made[start : start + 4], tallies, counters)
    again = log.append_counted(made, tallies, counters)

    assert again == {c.change_id for c in made}  # settled: counted with their chunk
    assert statistics.read("230900", "2026-12")["230900"]["pushed"] == 12


def test_erasure_finds_every_body_of_a_compacted_listing_and_spares_its_purge(log, aws):
    made = history(30)
    other = changes(1, first=next(_fresh))
    tombstone = purge_of(made[0])
    appended(log, [*made[:15], *other, *made[15:], tombstone], 4)  # the purge compacted too
    listing_id = made[0].listing.listing_id
    assert int(index(aws, listing_id)["pages"]["N"]) > 1

    assert log.erase(listing_id, tombstone.change_id) == 30

    gone = Erased(tombstone=tombstone.change_id)
    bodies = [body for _, body in everything(log)]
    assert bodies == [*[gone] * 15, *other, *[gone] * 15, tombstone]
    assert log.published(1, 40)[1] == [x for x in range(1, 32) if x != 16]
    # still where it was logged, tombstone included: a purge run again looks for batch files
    assert log.sequences_of(listing_id) == [*range(1, 16), *range(17, 33)]
    assert log.erase(listing_id, tombstone.change_id) == 0  # again: nothing more
    items = aws.dynamodb.scan(TableName=aws.env["CG_EXCHANGE_LOG_TABLE"])["Items"]
    text = json.dumps(items, ensure_ascii=False, default=str)
    assert made[0].listing.subject_name not in text


def test_appenders_racing_over_one_listings_changes_log_each_once_and_erase_finds_all(log, aws):
    made = history(40)
    listing_id = made[0].listing.listing_id
    start = threading.Barrier(3)

    def appender(order: list[Change]) -> dict[str, int]:
        start.wait()
        return appended(exchange_log(aws), order, 3)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(appender, [made, made[10:], made[::-1]]))

    logged = {e.change_id: e.sequence for e, _ in everything(log)}
    assert sorted(logged.values()) == list(range(1, 41))
    assert set(logged) == {c.change_id for c in made}
    assert all(result == {c: logged[c] for c in result} for result in results)
    assert log.append(made) == logged
    assert log.sequences_of(listing_id) == list(range(1, 41))
    assert log.erase(listing_id, purge_of(made[0]).change_id) == 40


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    compact_at=st.integers(1, 8),
    steps=st.lists(st.tuples(st.integers(0, 24), st.integers(1, 6)), min_size=1, max_size=12),
)
def test_whatever_the_batches_each_change_is_logged_once_and_the_index_stays_bounded(
    aws, compact_at, steps
):
    log = exchange_log(aws, compact_at)
    made, before = history(25), log.size()
    listing_id = made[0].listing.listing_id
    largest = 0

    for start, length in steps:  # retries, overlaps and new changes, in any order
        log.append(made[start : start + length])
        largest = max(largest, claims_in(index(aws, listing_id)))
    sequences = log.append(made)

    assert largest < compact_at
    assert sorted(sequences.values()) == list(range(before + 1, before + 26))
    assert log.size() == before + 25
    assert log.sequences_of(listing_id) == sorted(sequences.values())
    tombstone = purge_of(made[0])
    assert log.erase(listing_id, tombstone.change_id) == 25
    assert log.sequences_of(listing_id) == sorted(sequences.values())  # found after erasure
    erased = {e.sequence for e in log.published(before + 1, 25)[0]}
    assert set(log.published(before + 1, 25)[1]) == erased
