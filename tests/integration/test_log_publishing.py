"""LogPublisher on the provisioned table and bucket: tiles, entry bundles and signed checkpoints
that prove every logged change, built batch by batch, by publishers that may run at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from integration_support import listing
from stdnum.cn import uscc

from chalicelib.dynamodb import exchange_log
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.log_publishing import LogMismatch, LogPublisher
from chalicelib.s3_archive import S3Archive
from gateway_client.contract import (
    Change,
    Ed25519Signer,
    FixedClock,
    GatewaySigners,
    change_between,
    checkpoint_verifies,
    entry_leaf,
    purged,
)
from gateway_client.tlog import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    split_bundle,
    tile_hash_reader,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

NOW = datetime(2026, 12, 2, 8, tzinfo=UTC)
SIGNER = Ed25519Signer("gw-log-test", Ed25519PrivateKey.generate())


@pytest.fixture
def publisher(aws, log) -> LogPublisher:
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    return LogPublisher(log, archive, GatewaySigners(SIGNER), "test.example/log", FixedClock(NOW))


def changes(count: int, first: int = 1) -> list[Change]:
    made = []
    for i in range(first, first + count):
        body = f"91230900{i:09d}"
        made.append(change_between(listing(credit_code=body + uscc.calc_check_digit(body)), None))
    return [c for c in made if c is not None]


def leaves(log: DynamoExchangeLog) -> list[bytes]:
    entries, _ = log.published(1, log.size())
    return [leaf_hash(entry_leaf(e)) for e in entries]


def test_nothing_logged_publishes_nothing(publisher):
    assert publisher.publish() is None
    assert publisher.latest() is None


def test_a_published_checkpoint_signs_the_root_of_every_logged_change(log, publisher):
    log.append(changes(5))

    checkpoint = publisher.publish()

    assert checkpoint is not None
    assert (checkpoint.sequence, checkpoint.origin) == (5, "test.example/log")
    assert checkpoint.root == root_of(leaves(log)).hex()
    assert checkpoint_verifies(checkpoint, [SIGNER.private_key.public_key()])
    assert publisher.latest() == checkpoint
    assert publisher.publish() is None  # nothing new: nothing signed again


def test_tiles_published_batch_by_batch_prove_every_entry_and_every_earlier_checkpoint(
    log, publisher
):
    checkpoints = []
    for first, count in [(1, 3), (4, 250), (254, 7), (261, 300)]:  # across tile boundaries
        log.append(changes(count, first))
        published = publisher.publish()
        assert published is not None
        checkpoints.append(published)
    size = log.size()
    assert [c.sequence for c in checkpoints] == [3, 253, 260, 560]
    assert size == 560
    read = tile_hash_reader(size, publisher.read)
    root = bytes.fromhex(checkpoints[-1].root)
    assert tree_root(size, read) == root == root_of(leaves(log))
    for index, leaf in enumerate(leaves(log)):
        proof = inclusion_proof(index, size, read)
        assert verify_inclusion(leaf, index, size, proof, root)
    for earlier in checkpoints[:-1]:
        # Each earlier tree is proven a prefix of the latest, and from its own tiles too.
        proof = consistency_proof(earlier.sequence, size, read)
        old_root = bytes.fromhex(earlier.root)
        assert verify_consistency(earlier.sequence, size, old_root, root, proof)
        assert tree_root(earlier.sequence, tile_hash_reader(earlier.sequence, publisher.read)) == (
            old_root
        )


def test_entry_bundles_hold_each_entrys_leaf_data_in_order(log, publisher):
    log.append(changes(300))
    publisher.publish()

    full = split_bundle(publisher.read("tile/entries/000"))
    rest = split_bundle(publisher.read("tile/entries/001.p/44"))

    entries, _ = log.published(1, 300)
    assert full + rest == [entry_leaf(e) for e in entries]


def test_erasing_a_listing_leaves_its_leaves_and_every_proof_intact(log, publisher):
    made = changes(4)
    log.append(made)
    before = publisher.publish()
    assert before is not None
    tombstone = purged(made[1].listing, NOW)
    log.erase(made[1].listing.listing_id, tombstone.change_id)
    log.append([tombstone])

    after = publisher.publish()

    assert after is not None
    assert after.sequence == 5
    read = tile_hash_reader(5, publisher.read)
    proof = consistency_proof(4, 5, read)
    assert verify_consistency(4, 5, bytes.fromhex(before.root), bytes.fromhex(after.root), proof)


def test_a_missing_tile_reads_as_a_key_error(publisher):
    with pytest.raises(KeyError):
        publisher.read("tile/0/000")


def test_publishers_running_at_once_publish_one_tree(log, publisher, aws):
    other = LogPublisher(
        log,
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
        GatewaySigners(SIGNER),
        "test.example/log",
        FixedClock(NOW),
    )
    start = threading.Barrier(2)

    def run(pair: tuple[LogPublisher, int]) -> None:
        mine, first = pair
        start.wait()
        for offset in range(0, 40, 8):
            log.append(changes(8, first + offset))
            mine.publish()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, [(publisher, 1), (other, 500)]))
    publisher.publish()

    latest = publisher.latest()
    assert latest is not None
    assert latest.sequence == log.size() == 80
    read = tile_hash_reader(80, publisher.read)
    assert tree_root(80, read).hex() == latest.root == root_of(leaves(log)).hex()


def test_a_tile_already_there_with_other_bytes_stops_publication(log, publisher, aws):
    # As after a table restored to before the log grew, or a bucket reused: the objects there
    # were made from other entries, and nothing must be signed on top of them.
    S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]).put("log/tile/0/000.p/3", b"x" * 96, {})
    log.append(changes(3))

    with pytest.raises(LogMismatch):
        publisher.publish()

    assert log.published_size() == 0
    assert publisher.latest() is None


def test_the_latest_checkpoints_are_named_by_the_state_not_by_listing_the_bucket(log, publisher):
    for first in (1, 3, 6):
        log.append(changes(2, first))
        publisher.publish()

    assert [c.sequence for c in publisher.recent(2)] == [4, 6]
    assert [c.sequence for c in publisher.recent(10)] == [2, 4, 6]


def test_a_publisher_extends_the_partial_tiles_it_wrote_without_reading_them_back(
    log, publisher, aws
):
    log.append(changes(3))
    publisher.publish()
    reads: list[str] = []
    aws.s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: reads.append(params["Key"])
    )
    log.append(changes(2, 4))

    latest = publisher.publish()

    # tile/0/000.p/3 and tile/entries/000.p/3 came from the step before (the new entries
    # themselves are read from their chunk's object)
    assert [key for key in reads if not key.startswith("log-chunks/")] == []
    assert latest is not None
    assert latest.sequence == 5
    read = tile_hash_reader(5, publisher.read)
    assert tree_root(5, read).hex() == latest.root == root_of(leaves(log)).hex()
    assert len(split_bundle(publisher.read("tile/entries/000.p/5"))) == 5


def test_a_fresh_publisher_reads_the_partial_tiles_another_wrote(log, publisher, aws):
    log.append(changes(3))
    publisher.publish()
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    fresh = LogPublisher(log, archive, GatewaySigners(SIGNER), "test.example/log", FixedClock(NOW))
    log.append(changes(2, 4))

    latest = fresh.publish()

    assert latest is not None
    assert tree_root(5, tile_hash_reader(5, fresh.read)).hex() == root_of(leaves(log)).hex()


def test_publishing_right_after_an_append_reads_its_entries_from_no_table_or_object(
    log, publisher, aws
):
    log.append(changes(3))
    publisher.publish()
    log.append(changes(2, 4))
    reads: list[str] = []
    aws.s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: reads.append(params["Key"])
    )
    for read in ("BatchGetItem", "GetItem"):
        aws.dynamodb.meta.events.register(
            f"before-parameter-build.dynamodb.{read}", lambda read=read, **_: reads.append(read)
        )

    latest = publisher.publish()

    # the appender kept the objects it committed (the same bytes the bucket holds), and what
    # it read of the publisher's state and left of the head
    assert reads == []
    assert latest is not None
    assert latest.sequence == 5
    assert latest.root == root_of(leaves(log)).hex()  # leaves() reads the table and bucket


def test_a_publisher_whose_log_did_not_append_reads_the_entries(log, aws):
    other = DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    publisher = LogPublisher(
        other, archive, GatewaySigners(SIGNER), "test.example/log", FixedClock(NOW)
    )
    log.append(changes(4))

    latest = publisher.publish()

    assert latest is not None
    assert latest.root == root_of(leaves(log)).hex()
    assert other.leaves(1, 4) == log.leaves(1, 4) == log.published(1, 4)[0]


def test_a_publisher_behind_another_after_its_append_still_publishes_one_tree(log, aws):
    """The state an append read is behind once another publisher moved it: the conditional
    advance finds that out, and the tree published is the one every entry makes."""
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    other_log = DynamoExchangeLog(aws.dynamodb, aws.env["CG_EXCHANGE_LOG_TABLE"], archive)
    mine = LogPublisher(log, archive, GatewaySigners(SIGNER), "test.example/log", FixedClock(NOW))
    theirs = LogPublisher(
        other_log, archive, GatewaySigners(SIGNER), "test.example/log", FixedClock(NOW)
    )
    log.append(changes(3))
    other_log.append(changes(2, 10))
    theirs.publish()  # up to 5, past the state this process's append read (0)

    mine.publish()

    latest = mine.latest()
    assert latest is not None
    assert latest.sequence == 5 == log.published_size()
    assert tree_root(5, tile_hash_reader(5, mine.read)).hex() == latest.root
    assert latest.root == root_of(leaves(log)).hex()


def test_after_an_append_the_publisher_covers_changes_another_logged_past_its_commits(
    log, aws, monkeypatch
):
    """A chunk found logged by another appender after this one's commits lies past them:
    every sequence the append returns is under the checkpoint published right after it."""
    mine = changes(2, 20)
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    other = DynamoExchangeLog(aws.dynamodb, aws.env["CG_EXCHANGE_LOG_TABLE"], archive)
    monkeypatch.setattr(exchange_log, "take", lambda pending, _: list(pending[:1]))
    read, reads = log._state, []

    def the_other_logs_the_second(chunk: list[Change], *also: object) -> object:
        reads.append(chunk)
        if len(reads) == 2:  # this appender committed the first change, not yet the second
            other.append(mine[1:])
        return read(chunk, *also)

    monkeypatch.setattr(log, "_state", the_other_logs_the_second)
    logged = log.append(mine)
    publisher = LogPublisher(
        log, archive, GatewaySigners(SIGNER), "test.example/log", FixedClock(NOW)
    )

    latest = publisher.publish()

    assert logged == {mine[0].change_id: 1, mine[1].change_id: 2}
    assert latest is not None
    assert latest.sequence == 2
