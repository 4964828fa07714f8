"""The exchange log's chunked storage: exactly once under Lambda's retries, bisections and the
operator's re-drive, concurrent appenders, block boundaries, sealed bodies, and logs written in
the older per-entry shape."""

from __future__ import annotations

import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_dynamo_exchange_log import changes, everything, newer, purge_of

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.log_chunks import PREFIX
from chalicelib.dynamodb.statistics import DynamoStatistics
from chalicelib.s3_archive import S3Archive
from gateway.delivery.redelivery import Erased
from gateway_client.contract.change import Change
from gateway_client.contract.log import LogEntry, log_entries

NOW = datetime(2026, 12, 2, 8, tzinfo=UTC)
_fresh = itertools.count(10_000, 100)  # each example's own listings


def _halves(batch: list[Change], cuts: list[int]) -> list[list[Change]]:
    """Lambda's bisection of a failing batch: split in two, each half retried on its own (and
    split again while it fails), in order."""
    if not cuts or len(batch) < 2:
        return [batch]
    at = 1 + cuts[0] % (len(batch) - 1)
    rest = cuts[1:]
    return _halves(batch[:at], rest[::2]) + _halves(batch[at:], rest[1::2])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    size=st.integers(2, 40),
    logged_first=st.integers(0, 40),
    cuts=st.lists(st.integers(0, 1000), max_size=7),
    again=st.booleans(),
)
def test_a_retried_bisected_or_redriven_batch_logs_every_change_exactly_once(
    log, size, logged_first, cuts, again
):
    batch = changes(size, first=next(_fresh))
    batch[1:1] = [newer(batch[0])]  # two changes of one listing, in order
    before = log.size()

    log.append(batch[: logged_first % len(batch)])  # the first attempt failed after its log
    for half in _halves(batch, cuts):  # Lambda bisects and retries
        log.append(half)
    sequences = log.append(batch if again else batch[::-1])  # the operator's re-drive

    entries = [entry for entry, _ in everything(log)][before:]
    assert [e.sequence for e in entries] == list(range(before + 1, before + len(batch) + 1))
    assert sorted(e.change_id for e in entries) == sorted(c.change_id for c in batch)
    assert sequences == {e.change_id: e.sequence for e in entries}
    first, second = sequences[batch[0].change_id], sequences[batch[1].change_id]
    assert first < second  # a listing's changes keep their order


def test_appenders_racing_over_the_same_changes_log_each_once_without_gaps(log):
    batch = changes(30, first=300)
    start = threading.Barrier(3)

    def appender(order: list[Change]) -> dict[str, int]:
        start.wait()
        return log.append(order)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(appender, [batch, batch[10:], batch[::-1]]))

    entries = [entry for entry, _ in everything(log)]
    assert [e.sequence for e in entries] == list(range(1, 31))
    assert sorted(e.change_id for e in entries) == sorted(c.change_id for c in batch)
    for result in results:  # every appender was told the one sequence each change has
        assert all(result[e.change_id] == e.sequence for e in entries if e.change_id in result)


def test_windows_across_chunks_and_blocks_read_every_entry_in_order(log):
    made = changes(300, first=1000)
    log.append(made)  # chunks of at most 96, over two blocks of 256

    for start, limit in [(1, 300), (90, 20), (250, 20), (256, 1), (300, 5), (301, 3)]:
        read = log.entries(start, limit)
        expected = list(range(start, min(start + limit, 301)))
        assert [e.sequence for e, _ in read] == expected
        assert [body for _, body in read] == [made[x - 1] for x in expected]
    published, erased = log.published(200, 100)
    assert [e.sequence for e in published] == list(range(200, 300))
    assert erased == []


def test_a_chunk_whose_transaction_never_happened_holds_nothing_readable(log, aws, monkeypatch):
    mine = changes(2, first=400)

    def fails(**_: Any) -> None:
        raise RuntimeError("the function died before its transaction")

    monkeypatch.setattr(log._client, "transact_write_items", fails)
    with pytest.raises(RuntimeError):
        log.append(mine)
    monkeypatch.undo()
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    orphans = aws.s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"]

    log.append(mine)

    assert len(orphans) == 1
    assert mine[0].listing.subject_name.encode() not in (
        aws.s3.get_object(Bucket=bucket, Key=orphans[0]["Key"])["Body"].read()
    )
    assert [body for _, body in everything(log)] == mine
    items = aws.dynamodb.scan(TableName=aws.env["CG_EXCHANGE_LOG_TABLE"])["Items"]
    assert orphans[0]["Key"] not in str(items)  # nothing names it, nothing holds its keys


def test_an_append_of_changes_logged_already_leaves_no_readable_object(log, aws):
    """The chunk's object is written ahead of the reads (``log_writes``): when they find every
    change logged, that object is named by nothing and its bodies' keys were never stored."""
    mine = changes(2, first=450)
    log.append(mine)
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    before = {o["Key"] for o in aws.s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"]}

    assert log.append(mine) == {mine[0].change_id: 1, mine[1].change_id: 2}

    after = {o["Key"] for o in aws.s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"]}
    items = str(aws.dynamodb.scan(TableName=aws.env["CG_EXCHANGE_LOG_TABLE"])["Items"])
    for key in after - before:
        assert key not in items
        body = aws.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert mine[0].listing.subject_name.encode() not in body
    assert [body for _, body in everything(log)] == mine


# -- logs written before chunks --


def _old_append(aws, first: int, made: list[Change]) -> list[LogEntry]:  # type: ignore[no-untyped-def]
    """What the per-entry shape wrote for ``made``: an entry, a body and a marker per change,
    the listing's set of sequences, and the head."""
    table, db = aws.env["CG_EXCHANGE_LOG_TABLE"], aws.dynamodb
    entries = log_entries(first, made)
    for entry, change in zip(entries, made, strict=True):
        seq = f"{entry.sequence:012d}"
        db.put_item(
            TableName=table,
            Item={"pk": {"S": f"entry#{seq}"}, "doc": {"S": entry.model_dump_json()}},
        )
        db.put_item(
            TableName=table,
            Item={"pk": {"S": f"body#{seq}"}, "change": {"S": change.model_dump_json()}},
        )
        db.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"change#{change.change_id}"},
                "sequence": {"N": str(entry.sequence)},
            },
        )
        db.update_item(
            TableName=table,
            Key={"pk": {"S": f"listing#{change.listing.listing_id}"}},
            UpdateExpression="ADD sequences :s",
            ExpressionAttributeValues={":s": {"NS": [str(entry.sequence)]}},
        )
    last = entries[-1].sequence
    db.put_item(TableName=table, Item={"pk": {"S": "head"}, "sequence": {"N": str(last)}})
    return entries


def test_entries_logged_in_the_older_shape_are_read_deduplicated_and_continued(log, aws):
    old = changes(3, first=500)
    written = _old_append(aws, 1, old)
    new = changes(2, first=600)

    sequences = log.append([*old, *new])  # a retry across the upgrade, and what came after

    assert sequences == {c.change_id: i for i, c in enumerate([*old, *new], start=1)}
    read = everything(log)
    assert [e for e, _ in read][:3] == written
    assert [body for _, body in read] == [*old, *new]
    assert [e.sequence for e in log.published(1, 10)[0]] == [1, 2, 3, 4, 5]
    assert log.sequence_of(old[1].change_id) == 2


def test_erasing_a_listing_logged_in_both_shapes_erases_every_body_and_keeps_every_leaf(log, aws):
    mine = changes(1, first=700)[0]
    _old_append(aws, 1, [mine])
    later = newer(mine)
    log.append([later])
    tombstone = purge_of(mine)
    leaves = log.published(1, 5)[0]

    assert log.erase(mine.listing.listing_id, tombstone.change_id) == 2
    log.append([tombstone])

    assert [body for _, body in everything(log)] == [
        Erased(tombstone=tombstone.change_id),
        Erased(tombstone=tombstone.change_id),
        tombstone,
    ]
    assert log.published(1, 5) == ([*leaves, log.published(3, 1)[0][0]], [1, 2])
    assert log.erased_in(1, 5) == [1, 2]  # fan-out's check, from the items only
    assert log.sequence_of(tombstone.change_id) == 3
    assert log.erase(mine.listing.listing_id, tombstone.change_id) == 0


def test_erasure_takes_the_change_off_an_entry_of_the_oldest_shape_too(log, aws):
    """The first logs kept each change on its entry item (no body item): erased, it must not
    stay readable in the table."""
    mine = changes(1, first=750)[0]
    _old_append(aws, 1, [mine])
    table, db = aws.env["CG_EXCHANGE_LOG_TABLE"], aws.dynamodb
    key = {"pk": {"S": f"entry#{1:012d}"}}
    db.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #change = :c",
        ExpressionAttributeNames={"#change": "change"},
        ExpressionAttributeValues={":c": {"S": mine.model_dump_json()}},
    )
    db.delete_item(TableName=table, Key={"pk": {"S": f"body#{1:012d}"}})

    log.erase(mine.listing.listing_id, purge_of(mine).change_id)

    held = db.scan(TableName=table)["Items"]
    assert not [x for x in held if mine.listing.credit_code in json.dumps(x)]
    assert "doc" in db.get_item(TableName=table, Key=key)["Item"]  # the leaf stays


def test_counts_ride_on_the_transaction_that_logs_their_change_and_only_on_it(log, aws):
    old = changes(1, first=800)
    _old_append(aws, 1, old)
    new = changes(2, first=900)
    tallies = {c.change_id: {("230900", "2026-12", "pushed"): 1} for c in [*old, *new]}
    statistics = DynamoStatistics(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])

    def counters(summed: Any) -> list[Any]:
        return statistics.updates(summed, NOW)

    settled = log.append_counted([*old, *new], tallies, counters)
    again = log.append_counted([*new, *old], tallies, counters)

    # the change logged before chunks is left to its record's own marker
    assert settled == again == {c.change_id for c in new}
    assert statistics.read("230900", "2026-12")["230900"]["pushed"] == 2


def test_an_erasure_between_an_appenders_reads_and_its_transaction_is_not_missed(log, monkeypatch):
    mine = changes(1, first=1100)[0]
    tombstone = purge_of(mine)
    read, reads = log._state, []

    def then_erase(chunk: list[Change], *also: Any) -> Any:
        state = read(chunk, *also)
        reads.append(state)
        if len(reads) == 1:  # the appender has read the head and the index, not yet written
            log.erase(mine.listing.listing_id, tombstone.change_id)
        return state

    monkeypatch.setattr(log, "_state", then_erase)
    log.append([mine])

    assert [body for _, body in everything(log)] == [Erased(tombstone=tombstone.change_id)]
    assert log.published(1, 5)[1] == [1]
    assert len(reads) == 2  # the transaction prepared before the erasure was refused


def test_a_claim_left_by_an_attempt_that_never_committed_does_not_count_as_logged(log, monkeypatch):
    mine = changes(2, first=1200)

    def fails(**_: Any) -> None:
        raise RuntimeError("the function died after its claims")

    monkeypatch.setattr(log._client, "transact_write_items", fails)
    with pytest.raises(RuntimeError):
        log.append(mine)
    monkeypatch.undo()

    assert log.append(mine) == {mine[0].change_id: 1, mine[1].change_id: 2}
    assert log.append(mine[::-1]) == {mine[0].change_id: 1, mine[1].change_id: 2}
    assert log.size() == 2


def test_changes_another_appender_logs_just_before_this_one_reads_the_head_are_not_logged_twice(
    log, aws, monkeypatch
):
    mine = changes(3, first=1300)
    other = DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )
    snapshot, heads = log._snapshot, []

    def after_the_other(*args: Any) -> Any:
        heads.append(args)
        if len(heads) == 1:  # just before this appender reads the head (and the index)
            other.append(mine[1:])
        return snapshot(*args)

    monkeypatch.setattr(log, "_snapshot", after_the_other)
    sequences = log.append(mine)

    assert [e.change_id for e, _ in everything(log)] == [c.change_id for c in [*mine[1:], mine[0]]]
    assert sequences == {mine[1].change_id: 1, mine[2].change_id: 2, mine[0].change_id: 3}


def test_a_lost_turn_of_the_head_writes_no_second_object(log, aws, monkeypatch):
    mine, theirs = changes(3, first=1400), changes(1, first=1500)
    other = DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )
    read, reads = log._state, []

    def then_the_other(chunk: list[Change], *also: Any) -> Any:
        state = read(chunk, *also)
        reads.append(state)
        if len(reads) == 1:  # this appender is about to take its turn: another takes it
            other.append(theirs)
        return state

    monkeypatch.setattr(log, "_state", then_the_other)
    log.append(mine)

    assert len(reads) == 2  # a turn lost, then taken
    assert [body for _, body in everything(log)] == [*theirs, *mine]
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    assert len(aws.s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"]) == 2


def test_the_same_changes_logged_by_another_between_this_appenders_reads_and_claims_once(
    log, aws, monkeypatch
):
    """Claims wait for the reads: whatever another attempt commits meanwhile moves the head,
    so this attempt's transaction is refused and its next reads find the changes logged."""
    mine = changes(3, first=1600)
    other = DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )
    read, reads = log._state, []

    def then_the_other(chunk: list[Change], *also: Any) -> Any:
        state = read(chunk, *also)
        reads.append(state)
        if len(reads) == 1:  # read, not yet claimed: another attempt logs the same changes
            other.append(mine)
        return state

    monkeypatch.setattr(log, "_state", then_the_other)
    before = log.size()
    sequences = log.append(mine)

    assert len(reads) == 2  # the turn lost, then everything found logged
    assert log.size() == before + 3
    assert sequences == {c.change_id: before + 1 + i for i, c in enumerate(mine)}
    assert [e.change_id for e, _ in everything(log)][-3:] == [c.change_id for c in mine]
