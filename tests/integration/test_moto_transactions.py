"""The local stack's TransactWriteItems rollback (``infra/local/moto_speedup.py``): in a table
without a stream only the items the transaction names are kept and put back, so a cancelled
transaction leaves every item as it was (new ones gone, changed ones restored, deleted ones
back) and the rest of the table untouched; a table with a stream still rolls back whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws


def _table(ddb: Any, name: str, *, ranged: bool = False, stream: bool = False) -> None:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if ranged:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": "S"})
    extra: dict[str, Any] = {}
    if stream:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    ddb.create_table(
        TableName=name,
        KeySchema=keys,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # as tests/aws_support.py
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        _table(client, "plain")
        _table(client, "ranged", ranged=True)
        _table(client, "streamed", stream=True)
        yield client


def _items(ddb: Any, table: str) -> dict[str, str]:
    found = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    return {x["pk"]["S"] + x.get("sk", {}).get("S", ""): x["v"]["S"] for x in found}


def _put(table: str, pk: str, v: str, sk: str | None = None) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "v": {"S": v}} | ({"sk": {"S": sk}} if sk else {})
    return {"Put": {"TableName": table, "Item": item}}


def _failing(table: str, pk: str) -> dict[str, Any]:
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"pk": {"S": pk}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }


def test_a_cancelled_transaction_leaves_every_item_it_named_as_it_was(ddb: Any) -> None:
    for pk in ("changed", "deleted", "bystander"):
        ddb.put_item(TableName="plain", Item={"pk": {"S": pk}, "v": {"S": "before"}})
    before = _items(ddb, "plain")

    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                _put("plain", "new", "after"),
                {
                    "Update": {
                        "TableName": "plain",
                        "Key": {"pk": {"S": "changed"}},
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "after"}},
                    }
                },
                {"Delete": {"TableName": "plain", "Key": {"pk": {"S": "deleted"}}}},
                _failing("plain", "missing"),
            ]
        )

    assert _items(ddb, "plain") == before


def test_a_cancelled_transaction_across_tables_restores_ranged_items_too(ddb: Any) -> None:
    ddb.put_item(TableName="ranged", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"S": "x"}})

    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                _put("ranged", "a", "y", sk="1"),
                _put("ranged", "a", "new", sk="2"),
                _failing("plain", "missing"),
            ]
        )

    assert _items(ddb, "ranged") == {"a1": "x"}


def test_a_transaction_that_succeeds_writes_everything(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[_put("plain", "a", "1"), _put("ranged", "b", "2", "s")])

    assert _items(ddb, "plain") == {"a": "1"}
    assert _items(ddb, "ranged") == {"bs": "2"}


def test_a_table_with_a_stream_still_rolls_back(ddb: Any) -> None:
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "kept"}, "v": {"S": "x"}})

    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[_put("streamed", "new", "y"), _failing("streamed", "missing")]
        )

    assert _items(ddb, "streamed") == {"kept": "x"}
