"""DynamoDB refuses a write to an item a transaction holds, and cancels a transaction meeting
another's; moto never does. Here moto's backend refuses as DynamoDB does (the refusal goes back
on the wire as DynamoDB's would) to a client made as the container makes its clients: the
refused request changed nothing, so it is sent again, and applied once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    DynamodbException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend

from chalicelib import aws_clients, bootstrap
from chalicelib.dynamodb import conflicts
from chalicelib.dynamodb.base import n, s
from chalicelib.dynamodb.batches import DynamoBatchLedger
from chalicelib.dynamodb.conflicts import transact
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.statistics import DynamoStatistics
from chalicelib.s3_archive import S3Archive
from gateway.intake.push import PushResult
from tests.aws_support import AWS_REGION

NOW = datetime(2026, 10, 9, 2, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def _in_flight() -> Exception:
    return DynamodbException(ERROR_TYPE_PREFIX + "TransactionConflictException", "in flight")


def _cancelled(*reasons: str | None) -> Callable[[], Exception]:
    return lambda: TransactionCanceledException([(r, r and "refused", None) for r in reasons])


class Refusals:
    """moto's backend ``method`` raises ``refusal()`` the first ``times`` calls, as DynamoDB
    would refuse them, and counts every call."""

    def __init__(
        self, monkeypatch: Any, method: str, refusal: Callable[[], Exception], times: int
    ) -> None:
        self.sent, self._left = 0, times
        original = getattr(DynamoDBBackend, method)

        def refusing(backend: Any, *args: Any, **kwargs: Any) -> Any:
            self.sent += 1
            if self._left:
                self._left -= 1
                raise refusal()
            return original(backend, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, method, refusing)


@pytest.fixture
def client(aws, monkeypatch) -> Any:  # type: ignore[no-untyped-def]
    """A client of its own (its hooks stay with this test), made as the container makes one."""
    monkeypatch.setattr(conflicts, "pause", lambda _attempt: 0.0)
    return aws_clients.aws_client("dynamodb", AWS_REGION, None, bootstrap._BOTO_CONFIG)


@pytest.fixture
def table(aws) -> str:  # type: ignore[no-untyped-def]
    return str(aws.env["CG_BATCHES_TABLE"])


def _count(client: Any, table: str, pk: str) -> int:
    item = client.get_item(TableName=table, Key={"pk": s(pk)}, ConsistentRead=True).get("Item")
    return int(item["hits"]["N"]) if item else 0


def _add_one(client: Any, table: str, pk: str) -> Callable[[], object]:
    return lambda: client.update_item(
        TableName=table,
        Key={"pk": s(pk)},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": n(1)},
    )


def test_a_write_refused_for_a_transaction_in_flight_is_sent_again_and_applied_once(
    client, table, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    refusals = Refusals(monkeypatch, "update_item", _in_flight, times=3)

    _add_one(client, table, "stats#probe")()

    assert refusals.sent == 4
    assert _count(client, table, "stats#probe") == 1


def test_a_write_refused_every_time_is_given_up_after_a_bounded_number_of_attempts(
    client, table, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    refusals = Refusals(monkeypatch, "update_item", _in_flight, times=1000)

    with pytest.raises(ClientError) as raised:
        _add_one(client, table, "stats#probe")()

    assert raised.value.response["Error"]["Code"] == "TransactionConflictException"
    assert refusals.sent == conflicts._TRIES
    assert _count(client, table, "stats#probe") == 0


def test_a_failed_condition_is_not_sent_again(client, table, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    refusals = Refusals(monkeypatch, "put_item", _in_flight, times=0)  # counts only
    client.put_item(TableName=table, Item={"pk": s("stats#probe")})

    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(
            TableName=table,
            Item={"pk": s("stats#probe")},
            ConditionExpression="attribute_not_exists(pk)",
        )

    assert refusals.sent == 2


def test_a_transaction_cancelled_by_a_conflict_alone_is_tried_again(
    client, table, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    refusals = Refusals(
        monkeypatch, "transact_write_items", _cancelled(None, "TransactionConflict"), times=2
    )
    adds = [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": s(pk)},
                "UpdateExpression": "ADD hits :one",
                "ExpressionAttributeValues": {":one": n(1)},
            }
        }
        for pk in ("stats#a", "stats#b")
    ]

    transact(client, adds)  # type: ignore[arg-type]

    assert refusals.sent == 3
    assert [_count(client, table, pk) for pk in ("stats#a", "stats#b")] == [1, 1]


@pytest.mark.parametrize(
    "reasons", [("ConditionalCheckFailed", None), ("TransactionConflict", "ThrottlingError")]
)
def test_a_transaction_cancelled_for_any_other_reason_is_raised_at_once(
    client, table, reasons, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    refusals = Refusals(monkeypatch, "transact_write_items", _cancelled(*reasons), times=1)
    put = {"Put": {"TableName": table, "Item": {"pk": s("stats#a")}}}

    with pytest.raises(ClientError) as raised:
        transact(client, [put])  # type: ignore[list-item]

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert refusals.sent == 1
    assert _count(client, table, "stats#a") == 0


def test_a_push_finishes_and_is_counted_once_though_its_counters_were_in_a_transaction(
    client, table, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A push's last step shares the month's counters with every log append of its region."""
    ledger = DynamoBatchLedger(client, table)
    assert ledger.claim("441800", "b-1", "h", NOW, LEASE) is None
    result = PushResult(
        batch_id="b-1",
        region="441800",
        received_at=NOW,
        accepted=2,
        duplicate=0,
        rejected=0,
        outcomes=(),
        errors=(),
    )
    refusals = Refusals(
        monkeypatch, "transact_write_items", _cancelled(None, "TransactionConflict"), times=2
    )

    ledger.finish("441800", "b-1", result)

    assert refusals.sent == 3
    assert ledger.claim("441800", "b-1", "h", NOW, LEASE) == result
    counted = DynamoStatistics(client, table).read("441800", "2026-10")
    assert counted == {"441800": {"push#batches": 1, "push#accepted": 2}}


def test_an_erasure_moves_the_head_though_an_append_held_it(aws, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The head is in every append's transaction; the erasure's own update of it is refused
    while one runs, and used to fail the purge."""
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    log = DynamoExchangeLog(client, aws.env["CG_EXCHANGE_LOG_TABLE"], archive)
    refusals = Refusals(monkeypatch, "update_item", _in_flight, times=2)

    assert log.erase("lst_absent", "chg_" + "0" * 32) == 0

    assert refusals.sent >= 3
    assert log._head().generation == 1
