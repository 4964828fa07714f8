"""DynamoExchangeLog on the provisioned table: transactional appends, idempotency, reads, blocks."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from integration_support import SOURCE_UPDATED_AT, listing
from stdnum.cn import uscc

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from gateway.delivery.redelivery import Erased
from gateway_client.contract.change import Change, change_between, purged
from gateway_client.contract.log import LogEntry, change_digest, log_entries


def credit_code(serial: int) -> str:
    body = f"91230900{serial:09d}"
    return body + uscc.calc_check_digit(body)


def changes(count: int, first: int = 1) -> list[Change]:
    """``count`` listings' first versions, each a distinct change."""
    made = [change_between(listing(credit_code=credit_code(first + i)), None) for i in range(count)]
    assert all(c is not None for c in made)
    return [c for c in made if c is not None]


def newer(previous: Change) -> Change:
    later = listing(
        credit_code=previous.listing.credit_code,
        updated_at=SOURCE_UPDATED_AT + timedelta(days=1),
    )
    made = change_between(later, previous.listing)
    assert made is not None
    return made


def item_count(aws) -> int:  # type: ignore[no-untyped-def]
    table = aws.env["CG_EXCHANGE_LOG_TABLE"]
    return int(aws.dynamodb.scan(TableName=table, Select="COUNT")["Count"])


def everything(log: DynamoExchangeLog) -> list[tuple[LogEntry, Change | Erased]]:
    return log.entries(1, log.size() + 5)


# -- appending --


def test_an_empty_log_has_size_zero(log):
    assert log.size() == 0


def test_appending_changes_numbers_them_from_one_in_order(log):
    made = changes(5)

    logged = log.append(made)

    assert logged == {c.change_id: i for i, c in enumerate(made, start=1)}


def test_after_appending_the_size_is_the_last_sequence(log):
    log.append(changes(5))

    assert log.size() == 5


def test_the_stored_entries_are_the_leaves_of_the_appended_changes(log):
    made = changes(4)

    log.append(made)

    stored = everything(log)
    assert [entry for entry, _ in stored] == log_entries(1, made)
    assert [change for _, change in stored] == made


def test_appending_the_same_changes_again_returns_the_same_sequences_and_writes_nothing(log, aws):
    made = changes(5)
    first = log.append(made)
    head = log.size()
    items = item_count(aws)

    again = log.append(made)

    assert again == first
    assert log.size() == head
    assert item_count(aws) == items


def test_a_batch_that_overlaps_logged_changes_logs_only_the_new_ones(log):
    made = changes(5)
    log.append(made[:3])

    logged = log.append(made[1:])

    assert logged == {c.change_id: i for i, c in enumerate(made, start=1) if i >= 2}
    assert [entry.change_id for entry, _ in everything(log)] == [c.change_id for c in made]


def test_a_change_repeated_within_one_batch_is_logged_once(log):
    a, b = changes(2)

    logged = log.append([a, b, a])

    assert logged == {a.change_id: 1, b.change_id: 2}
    assert log.size() == 2


def test_a_later_append_continues_from_the_size(log):
    first = changes(3)
    log.append(first)
    later = [newer(first[0]), *changes(2, first=50)]

    logged = log.append(later)

    assert [logged[c.change_id] for c in later] == [4, 5, 6]
    stored = [entry for entry, _ in everything(log)]
    assert stored == log_entries(1, first + later)


def test_an_append_larger_than_one_transaction_still_numbers_without_gaps(log):
    made = changes(50)

    logged = log.append(made)

    assert sorted(logged.values()) == list(range(1, 51))
    stored = [entry for entry, _ in everything(log)]
    assert [e.sequence for e in stored] == list(range(1, 51))
    assert log.size() == 50
    assert stored == log_entries(1, [c for _, c in everything(log)])


def test_appending_nothing_writes_nothing(log, aws):
    assert log.append([]) == {}
    assert log.size() == 0
    assert item_count(aws) == 0


def test_two_concurrent_appenders_number_every_change_once_without_gaps(log):
    mine, theirs = changes(12, first=100), changes(12, first=200)
    start = threading.Barrier(2)

    def appender(batch: list[Change]) -> dict[str, int]:
        start.wait()
        logged: dict[str, int] = {}
        for i in range(0, len(batch), 3):
            logged |= log.append(batch[i : i + 3])
        return logged

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(appender, [mine, theirs]))

    stored = everything(log)
    entries = [entry for entry, _ in stored]
    assert [e.sequence for e in entries] == list(range(1, 25))
    assert log.size() == 24
    assert sorted(e.change_id for e in entries) == sorted(c.change_id for c in mine + theirs)
    assert all(e.change_digest == change_digest(c) for e, c in stored)
    sequences = results[0] | results[1]
    assert sequences == {e.change_id: e.sequence for e in entries}


# -- reading --


def test_entries_returns_a_window_of_entries_with_their_changes_in_order(log):
    made = changes(6)
    log.append(made)

    window = log.entries(2, 3)

    assert [entry.sequence for entry, _ in window] == [2, 3, 4]
    assert [change for _, change in window] == made[1:4]
    assert [entry.change_id for entry, _ in window] == [c.change_id for c in made[1:4]]


def test_entries_past_the_head_are_left_out(log):
    log.append(changes(3))

    assert [entry.sequence for entry, _ in log.entries(2, 10)] == [2, 3]
    assert log.entries(4, 10) == []


def test_entries_from_zero_start_at_the_first_entry(log):
    log.append(changes(2))

    assert [entry.sequence for entry, _ in log.entries(0, 2)] == [1, 2]


def test_entries_of_an_empty_log_are_none(log):
    assert log.entries(1, 100) == []


def test_entries_read_more_than_one_hundred_at_once(log):
    log.append(changes(105))

    window = log.entries(1, 105)

    assert [entry.sequence for entry, _ in window] == list(range(1, 106))


# -- per-subscription sequence blocks --


def test_allocate_returns_consecutive_blocks(log):
    first = log.allocate("sub-1", 3)
    second = log.allocate("sub-1", 2)
    third = log.allocate("sub-1", 1)

    assert (first, second, third) == (1, 4, 6)


def test_each_subscription_has_its_own_numbering(log):
    log.allocate("sub-1", 5)

    assert log.allocate("sub-2", 2) == 1
    assert log.allocate("sub-1", 1) == 6


def test_allocating_does_not_touch_the_log(log):
    log.append(changes(2))
    head = log.size()

    log.allocate("sub-1", 4)

    assert log.size() == head
    assert [entry.sequence for entry, _ in everything(log)] == [1, 2]


# -- erasure at the end of retention --


def purge_of(change: Change) -> Change:
    return purged(change.listing, change.occurred_at + timedelta(days=5 * 366))


def test_erasing_a_listing_replaces_its_bodies_by_its_purge_and_keeps_the_entries(log):
    mine = changes(1)[0]
    other = changes(1, first=40)[0]
    log.append([mine, other, newer(mine)])
    before = [entry for entry, _ in everything(log)]
    tombstone = purge_of(mine)

    erased = log.erase(mine.listing.listing_id, tombstone.change_id)

    assert erased == 2
    stored = everything(log)
    assert [entry for entry, _ in stored] == before
    gone = Erased(tombstone=tombstone.change_id)
    assert [body for _, body in stored] == [gone, other, gone]
    assert log.published(1, 10) == (before, [1, 3])


def test_the_purge_logged_afterwards_is_found_by_its_change_id_and_never_erased(log):
    mine = changes(1)[0]
    log.append([mine])
    tombstone = purge_of(mine)
    log.erase(mine.listing.listing_id, tombstone.change_id)

    at = log.append([tombstone])[tombstone.change_id]

    assert log.sequence_of(tombstone.change_id) == at == 2
    assert log.erase(mine.listing.listing_id, tombstone.change_id) == 0
    assert [body for _, body in everything(log)][1] == tombstone


def stored_objects(aws) -> list[bytes]:  # type: ignore[no-untyped-def]
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    listed = aws.s3.list_object_versions(Bucket=bucket).get("Versions", [])
    return [
        aws.s3.get_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
        for v in listed
    ]


def test_erased_bodies_leave_no_trace_of_the_listings_content_anywhere(log, aws):
    mine = changes(1)[0]
    log.append([mine, newer(mine)])
    tombstone = purge_of(mine)
    log.erase(mine.listing.listing_id, tombstone.change_id)
    log.append([tombstone])

    items = aws.dynamodb.scan(TableName=aws.env["CG_EXCHANGE_LOG_TABLE"])["Items"]
    text = json.dumps(items, ensure_ascii=False, default=str)
    assert mine.listing.subject_name not in text
    assert mine.listing.decision_number not in text
    assert mine.listing.listing_id in text  # the tombstone names what subscribers erase
    # every object (every version) of the bucket: bodies are sealed, and the erased ones'
    # keys are gone from the table
    for body in stored_objects(aws):
        assert mine.listing.subject_name.encode() not in body
    chunks = [i for i in items if i["pk"]["S"].startswith("chunk#")]
    assert sorted(k for c in chunks for k in c["keys"]["M"]) == ["0"]  # the tombstone's only
    assert [body for _, body in everything(log)] == [
        Erased(tombstone=tombstone.change_id),
        Erased(tombstone=tombstone.change_id),
        tombstone,
    ]


def test_erasing_again_changes_nothing(log, aws):
    mine = changes(1)[0]
    log.append([mine])
    tombstone = purge_of(mine)
    log.erase(mine.listing.listing_id, tombstone.change_id)
    items = item_count(aws)

    assert log.erase(mine.listing.listing_id, tombstone.change_id) == 0
    assert item_count(aws) == items
    assert log.published(1, 10)[1] == [1]


def test_a_change_logged_after_its_listing_was_erased_is_logged_without_its_body(log):
    mine, *_ = changes(1)
    tombstone = purge_of(mine)

    assert log.erase(mine.listing.listing_id, tombstone.change_id) == 0  # nothing logged yet
    log.append([mine, tombstone])  # a late retry of the stream, then the purge itself

    assert [body for _, body in everything(log)] == [
        Erased(tombstone=tombstone.change_id),
        tombstone,
    ]
    assert log.published(1, 10)[1] == [1]


def test_two_changes_of_one_listing_in_one_append_are_both_erased(log):
    mine = changes(1)[0]
    log.append([mine, newer(mine)])
    tombstone = purge_of(mine)

    log.erase(mine.listing.listing_id, tombstone.change_id)

    assert [body for _, body in everything(log)] == [Erased(tombstone=tombstone.change_id)] * 2


def test_a_listing_s_change_ids_are_read_in_log_order_one_read_a_chunk(log, aws, monkeypatch):
    """What receipts derive single deliveries' ids from: the listing's changes, wherever they
    lie in the log, each chunk holding some of them read once (not once a change)."""
    first = changes(1)[0]
    second = newer(first)
    later = listing(
        credit_code=first.listing.credit_code, updated_at=SOURCE_UPDATED_AT + timedelta(days=2)
    )
    third = change_between(later, second.listing)
    assert third is not None
    log.append([first, *changes(3, first=2)])
    log.append([second, *changes(2, first=10)])
    log.append([*changes(2, first=20), third])
    reads: list[int] = []
    batch_get = aws.dynamodb.batch_get_item

    def counted(**request):  # type: ignore[no-untyped-def]
        reads.append(1)
        return batch_get(**request)

    monkeypatch.setattr(aws.dynamodb, "batch_get_item", counted)
    listed = [first.change_id, second.change_id, third.change_id]
    assert log.change_ids_of(first.listing.listing_id) == listed
    assert len(reads) <= 4  # its claims resolved (2), then blocks and chunks: once each
