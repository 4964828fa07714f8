"""The bench's moto ``Query`` speed-up (bench/moto_server.py) answers every query as moto does:
on the table's key and on an index, page by page, forwards and backwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import Table

from bench import moto_server


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="cn-northwest-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "code", "KeyType": "HASH"},
                {"AttributeName": "id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"}
                for name in ("code", "id", "shard", "due")
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_due",
                    "KeySchema": [
                        {"AttributeName": "shard", "KeyType": "HASH"},
                        {"AttributeName": "due", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(60):
            item = {"code": {"S": f"c{i % 7}"}, "id": {"S": f"{i:03d}"}}
            if i % 4:  # a sparse index: some items have no due date
                item |= {"shard": {"S": f"s{i % 3}"}, "due": {"S": f"2026-01-{1 + i % 28:02d}#{i}"}}
            dynamodb.put_item(TableName="t", Item=item)
        yield dynamodb


def every_page(client: Any, **request: Any) -> list[list[dict[str, Any]]]:
    pages = []
    while True:
        reply = client.query(TableName="t", Limit=4, **request)
        pages.append(reply["Items"])
        if "LastEvaluatedKey" not in reply:
            return pages
        request["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "code = :c", "ExpressionAttributeValues": {":c": {"S": "c3"}}},
    {
        "KeyConditionExpression": "code = :c AND id > :i",
        "ExpressionAttributeValues": {":c": {"S": "c2"}, ":i": {"S": "010"}},
        "ScanIndexForward": False,
    },
    {"KeyConditionExpression": "code = :c", "ExpressionAttributeValues": {":c": {"S": "none"}}},
    {
        "IndexName": "by_due",
        "KeyConditionExpression": "shard = :s AND due <= :u",
        "ExpressionAttributeValues": {":s": {"S": "s1"}, ":u": {"S": "2026-01-15$"}},
    },
]


def test_the_speed_up_answers_every_query_page_as_moto_does(client: Any) -> None:
    plain = [every_page(client, **query) for query in QUERIES]
    original = Table.all_items, Table.query
    try:
        moto_server.install_query_speedup()
        faster = [every_page(client, **query) for query in QUERIES]
        scanned = client.scan(TableName="t")["Items"]  # a scan still reads every item
    finally:
        Table.all_items, Table.query = original  # type: ignore[method-assign]
        del Table._bench_query_speedup  # type: ignore[attr-defined]

    assert faster == plain
    assert all(pages[0] for pages in plain[:2] + plain[3:])  # the queries do find items
    assert len(scanned) == 60
