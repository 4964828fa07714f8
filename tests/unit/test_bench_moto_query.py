"""The bench's moto ``Query`` speed-up (bench/moto_query.py) answers every query as moto does:
on the table's key and on an index, page by page, forwards and backwards, after writes too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.moto_query import install_query_speedup


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
    undo = install_query_speedup()
    try:
        faster = [every_page(client, **query) for query in QUERIES]
        moved = {"code": {"S": "c1"}, "id": {"S": "001"}}
        client.update_item(  # an index entry moves, and one is added: a new grouping
            TableName="t",
            Key=moved,
            UpdateExpression="SET due = :d",
            ExpressionAttributeValues={":d": {"S": "2026-01-02#moved"}},
        )
        new = {"code": {"S": "c9"}, "id": {"S": "900"}, "shard": {"S": "s1"}}
        client.put_item(TableName="t", Item=new | {"due": {"S": "2026-01-03#new"}})
        after_writes = [every_page(client, **query) for query in QUERIES]
        scanned = client.scan(TableName="t")["Items"]  # a scan still reads every item
    finally:
        undo()

    assert faster == plain
    assert all(pages[0] for pages in plain[:2] + plain[3:])  # the queries do find items
    assert after_writes == [every_page(client, **query) for query in QUERIES]  # moto's own
    assert after_writes[3] != plain[3]
    assert len(scanned) == 61
