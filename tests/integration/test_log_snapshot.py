"""An append stores its claims, then reads the log's head and its chunk's index as of one moment
(``log_index._state``): one round trip between the claims and the transaction, a snapshot
cancelled by a conflict taken as a lost turn (any other cancellation raised), for a chunk too
large for one snapshot every marker read no earlier than its listing's index (what compaction's
part of the exactly-once argument needs); and an erasure finds a body committed before its
generation moved whatever the appender read."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any
from unittest.mock import ANY

import pytest
from botocore.exceptions import ClientError
from test_dynamo_exchange_log import changes, everything, purge_of
from test_log_compaction import history

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.s3_archive import S3Archive
from gateway.delivery.redelivery import Erased


@pytest.fixture
def log(aws: Any) -> DynamoExchangeLog:
    return DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )


_READS = ("TransactGetItems", "BatchGetItem", "GetItem")


def _cancelled(operation: str, message: str, *reasons: str) -> ClientError:
    """DynamoDB's answer to a cancelled transaction, with the reasons per item if given."""
    response: dict[str, Any] = {
        "Error": {"Code": "TransactionCanceledException", "Message": message}
    }
    if reasons:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, operation)


class Reads:
    """The log table's requests in the order they were sent, each with the keys it read."""

    def __init__(self, aws: Any) -> None:
        self.table = aws.env["CG_EXCHANGE_LOG_TABLE"]
        self.sent: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    def claimed(self, context: dict[str, Any], **_: Any) -> None:
        """A claim stored (the key its request noted in the call's context)."""
        if "claim" in context:
            with self._lock:
                self.sent.append(("claimed", [context["claim"]]))

    def note(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if model.name == "UpdateItem" and params["Key"]["pk"]["S"].startswith("listing#"):
            context["claim"] = params["Key"]["pk"]["S"]
        keys: list[str] = []
        if model.name == "TransactGetItems":
            keys = [g["Get"]["Key"]["pk"]["S"] for g in params["TransactItems"]]
        elif model.name == "BatchGetItem":
            keys = [
                k["pk"]["S"] for k in params["RequestItems"].get(self.table, {}).get("Keys", [])
            ]
        elif model.name == "GetItem" and params.get("TableName") == self.table:
            keys = [params["Key"]["pk"]["S"]]
        with self._lock:
            self.sent.append((model.name, keys))

    def first_read_of(self, key: str) -> int:
        return next(i for i, (name, keys) in enumerate(self.sent) if name in _READS and key in keys)


@pytest.fixture
def reads(aws: Any) -> Any:
    noted = Reads(aws)
    events = aws.dynamodb.meta.events
    events.register("before-parameter-build.dynamodb", noted.note)
    events.register("after-call.dynamodb.UpdateItem", noted.claimed)
    yield noted
    events.unregister("before-parameter-build.dynamodb", noted.note)
    events.unregister("after-call.dynamodb.UpdateItem", noted.claimed)


def test_a_push_sized_append_reads_once_before_its_transaction(log, reads):
    made = changes(2, first=2100)

    assert log.append(made) == {c.change_id: i for i, c in enumerate(made, start=1)}

    names = [name for name, _ in reads.sent]
    before = names[: names.index("TransactWriteItems")]
    reads_before = [s for s in reads.sent[: len(before)] if s[0] not in ("UpdateItem", "claimed")]
    assert sorted(reads_before) == [("BatchGetItem", ["published"]), ("TransactGetItems", ANY)]
    assert before.count("UpdateItem") == before.count("claimed") == 2  # one claim per listing
    assert max(i for i, n in enumerate(names) if n == "claimed") < names.index("TransactGetItems")
    head_and_index = reads.sent[names.index("TransactGetItems")][1]
    assert head_and_index[0] == "head"
    assert {f"listing#{c.listing.listing_id}" for c in made} <= set(head_and_index)
    assert {f"change#{c.change_id}" for c in made} <= set(head_and_index)


def test_each_marker_of_a_large_chunk_is_read_no_earlier_than_its_listings_index(log, reads):
    made = changes(40, first=2200)  # the head, 40 index items, 40 markers: past one snapshot

    log.append(made)

    first_read = next(sent for sent in reads.sent if sent[0] in _READS and sent[1] != ["published"])
    assert first_read[0] == "TransactGetItems"
    assert first_read[1][0] == "head"
    for change in made:
        index = reads.first_read_of(f"listing#{change.listing.listing_id}")
        marker = reads.first_read_of(f"change#{change.change_id}")
        assert index <= marker
        if index == marker:  # read together: only inside the snapshot
            assert reads.sent[index][0] == "TransactGetItems"
    assert [e.change_id for e, _ in everything(log)] == [c.change_id for c in made]


def test_a_cancelled_snapshot_is_a_lost_turn_and_each_change_is_logged_once(log, monkeypatch):
    """DynamoDB cancels a TransactGetItems when a transaction on one of its items is in flight
    (another appender moving the head): the append reads again, as after a lost turn."""
    made = changes(3, first=2300)
    snapshot, cancelled = log._client.transact_get_items, []

    def busy(**params: Any) -> Any:
        if not cancelled:
            cancelled.append(True)
            log_other = DynamoExchangeLog(log._client, log._table, log._archive)
            log_other.append(made[1:2])  # the transaction that was in flight
            raise _cancelled("TransactGetItems", "conflict")
        return snapshot(**params)

    monkeypatch.setattr(log._client, "transact_get_items", busy)
    sequences = log.append(made)

    assert cancelled
    assert sequences == {made[1].change_id: 1, made[0].change_id: 2, made[2].change_id: 3}
    assert [e.change_id for e, _ in everything(log)] == [
        c.change_id for c in [made[1], made[0], made[2]]
    ]


def test_any_other_error_of_the_snapshot_is_not_taken_for_a_lost_turn(log, monkeypatch):
    def refused(**_: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "TransactGetItems"
        )

    monkeypatch.setattr(log._client, "transact_get_items", refused)
    with pytest.raises(ClientError, match="AccessDenied"):
        log.append(changes(1, first=2400))
    assert log.size() == 0


def test_the_chunks_own_claims_never_cancel_its_snapshot(log, monkeypatch):
    """DynamoDB cancels a TransactGetItems while a write to one of its items is in flight: the
    claims are stored before the snapshot is taken, so they never are."""
    real, in_flight, lock, cancelled = log._client, set(), threading.Lock(), []
    update, snapshot = real.update_item, real.transact_get_items

    def slow_update(**params: Any) -> Any:
        key = params["Key"]["pk"]["S"]
        with lock:
            in_flight.add(key)
        try:
            time.sleep(0.02)  # a round trip
            return update(**params)
        finally:
            with lock:
                in_flight.discard(key)

    def as_dynamodb_would(**params: Any) -> Any:
        with lock:
            busy = {g["Get"]["Key"]["pk"]["S"] for g in params["TransactItems"]} & in_flight
        if busy:
            cancelled.append(busy)
            raise _cancelled("TransactGetItems", "conflict")
        return snapshot(**params)

    monkeypatch.setattr(real, "update_item", slow_update)
    monkeypatch.setattr(real, "transact_get_items", as_dynamodb_would)
    made = changes(3, first=2500)

    assert log.append(made) == {c.change_id: i for i, c in enumerate(made, start=1)}
    assert cancelled == []


def test_a_retried_batch_of_fewer_changes_than_compact_at_is_not_compacted(log, monkeypatch):
    """Its claims are in the index it reads (stored before the read): counted once."""
    made, compacted = history(10), []
    compact = log._compact
    monkeypatch.setattr(log, "_compact", lambda x: (compacted.append(x), compact(x))[1])

    first = log.append(made)

    assert log.append(made) == first  # the retry claims again, and logs nothing twice
    assert compacted == []


def test_an_erasure_finds_a_body_committed_before_its_generation_moved_whatever_was_read(
    aws, log, monkeypatch
):
    """An appender that read the index as if before the mark, but claimed after it, commits
    with a body before the generation moves: the erasure's second read of the index finds it."""
    mine = changes(1, first=2700)[0]
    tombstone = purge_of(mine)
    appender = DynamoExchangeLog(log._client, log._table, log._archive)
    state = appender._state

    def as_if_before_the_mark(*args: Any) -> Any:
        read = state(*args)
        if read is None:
            return None
        head, found = read
        return head, replace(found, erasures=dict.fromkeys(found.erasures))

    monkeypatch.setattr(appender, "_state", as_if_before_the_mark)
    real_update, appended = log._client.update_item, []

    def then_the_appender(**params: Any) -> Any:
        if params["Key"]["pk"]["S"] == "head" and not appended:  # the mark made, not the move
            appended.append(appender.append([mine]))
        return real_update(**params)

    class Eraser:
        def __getattr__(self, name: str) -> Any:
            return then_the_appender if name == "update_item" else getattr(log._client, name)

    eraser = DynamoExchangeLog(Eraser(), log._table, log._archive)  # type: ignore[arg-type]
    assert eraser.erase(mine.listing.listing_id, tombstone.change_id) == 1

    assert appended == [{mine.change_id: 1}]
    assert [body for _, body in everything(log)] == [Erased(tombstone=tombstone.change_id)]


@pytest.mark.parametrize(
    ("method", "operation"),
    [("transact_get_items", "TransactGetItems"), ("transact_write_items", "TransactWriteItems")],
)
def test_a_transaction_cancelled_for_another_reason_than_a_lost_turn_is_raised(
    log, monkeypatch, method: str, operation: str
):
    """A conflict (or, for the write, the head's condition) is a lost turn, read again; a
    throttled or refused snapshot or transaction is raised at once, not retried as if the head
    moved."""

    def throttled(**_: Any) -> Any:
        raise _cancelled(operation, "throttled", "None", "ThrottlingError")

    monkeypatch.setattr(log._client, method, throttled)
    with pytest.raises(ClientError, match="throttled"):
        log.append(changes(1, first=2800))
    assert log.size() == 0


def test_the_publishers_state_is_read_beside_the_snapshot_not_in_it(log, reads):
    """The publisher writes its state after every append: in a snapshot, that write would cancel
    other appenders' reads."""
    log.append(changes(1, first=2900))

    snapshots = [keys for name, keys in reads.sent if name == "TransactGetItems"]
    assert snapshots
    assert all("published" not in keys for keys in snapshots)
    assert any("published" in keys for name, keys in reads.sent if name == "BatchGetItem")
