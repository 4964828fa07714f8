"""The local stack's parsed ``UpdateExpression``s (``infra/local/moto_speedup.py``): each text is
parsed once, and every update still applies its own names and values to its own item, inside a
transaction too; a malformed expression is refused every time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

EXPRESSION = "ADD #n :one SET #tag = :tag"


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # as tests/aws_support.py
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _update(pk: str, name: str, tag: str) -> dict[str, Any]:
    return {
        "TableName": "t",
        "Key": {"pk": {"S": pk}},
        "UpdateExpression": EXPRESSION,
        "ExpressionAttributeNames": {"#n": name, "#tag": "tag"},
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":tag": {"S": tag}},
    }


def test_one_expression_text_updates_each_item_with_its_own_names_and_values(ddb: Any) -> None:
    ddb.update_item(**_update("a", "x", "first"))
    ddb.update_item(**_update("a", "x", "second"))
    ddb.update_item(**_update("b", "y", "third"))
    ddb.transact_write_items(TransactItems=[{"Update": _update("b", "y", "fourth")}])

    a = ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]
    b = ddb.get_item(TableName="t", Key={"pk": {"S": "b"}})["Item"]
    assert (a["x"], a["tag"], "y" in a) == ({"N": "2"}, {"S": "second"}, False)
    assert (b["y"], b["tag"], "x" in b) == ({"N": "2"}, {"S": "fourth"}, False)
    assert UpdateExpressionParser.make.cache_info().hits > 0  # type: ignore[attr-defined]


def test_a_malformed_expression_is_refused_every_time(ddb: Any) -> None:
    for _ in range(2):
        with pytest.raises(ClientError):
            ddb.update_item(**{**_update("a", "x", "t"), "UpdateExpression": "ADD #n :one SET"})
