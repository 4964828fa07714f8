"""An append reads the log's head and its chunk's index as of one moment (``log_index._state``):
one round trip before the claims' transaction, a cancelled snapshot taken as a lost turn, and
for a chunk too large for one snapshot, every marker read no earlier than its listing's index
(what compaction's part of the exactly-once argument needs)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_dynamo_exchange_log import changes, everything

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.s3_archive import S3Archive


@pytest.fixture
def log(aws: Any) -> DynamoExchangeLog:
    return DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )


class Reads:
    """The log table's requests in the order they were sent, each with the keys it read."""

    def __init__(self, aws: Any) -> None:
        self.table = aws.env["CG_EXCHANGE_LOG_TABLE"]
        self.sent: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    def note(self, model: Any, params: dict[str, Any], **_: Any) -> None:
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
        return next(i for i, (_, keys) in enumerate(self.sent) if key in keys)


@pytest.fixture
def reads(aws: Any) -> Any:
    noted = Reads(aws)
    aws.dynamodb.meta.events.register("before-parameter-build.dynamodb", noted.note)
    yield noted
    aws.dynamodb.meta.events.unregister("before-parameter-build.dynamodb", noted.note)


def test_a_push_sized_append_reads_once_before_its_transaction(log, reads):
    made = changes(2, first=2100)

    assert log.append(made) == {c.change_id: i for i, c in enumerate(made, start=1)}

    names = [name for name, _ in reads.sent]
    before = names[: names.index("TransactWriteItems")]
    assert [n for n in before if n != "UpdateItem"] == ["TransactGetItems"]  # and the claims
    assert before.count("UpdateItem") == 2  # one claim per listing
    head_and_index = reads.sent[names.index("TransactGetItems")][1]
    assert head_and_index[0] == "head"
    assert {f"listing#{c.listing.listing_id}" for c in made} <= set(head_and_index)
    assert {f"change#{c.change_id}" for c in made} <= set(head_and_index)


def test_each_marker_of_a_large_chunk_is_read_no_earlier_than_its_listings_index(log, reads):
    made = changes(40, first=2200)  # 2 + 40 index items + 40 markers: past one snapshot

    log.append(made)

    first_read = next(sent for sent in reads.sent if sent[0] != "UpdateItem")  # not a claim
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
            raise ClientError(
                {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
                "TransactGetItems",
            )
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
