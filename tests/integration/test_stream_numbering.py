"""The local stack's DynamoDB stream numbers each record once, however many writes race: a
reader following ``NextShardIterator`` gets every record once and then nothing more (moto alone
could give two racing records one number and hand the second back forever)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from moto import mock_aws

WRITERS, WRITES = 8, 40


@pytest.fixture
def racy_threads() -> Iterator[None]:
    """Threads switch far more often than usual, so a race shows in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_racing_writes_are_each_read_once_from_the_stream(
    racy_threads: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # as tests/aws_support.py
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]

        def write(writer: int) -> None:
            for n in range(WRITES):
                dynamodb.put_item(TableName="t", Item={"pk": {"S": f"{writer}-{n}"}})

        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(write, range(WRITERS)))

        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        arn = table["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        read: list[str] = []
        for _ in range(WRITERS * WRITES):  # a reader that never runs dry is cut off here
            reply = streams.get_records(ShardIterator=iterator, Limit=7)
            if not reply["Records"]:
                break
            read += [r["dynamodb"]["Keys"]["pk"]["S"] for r in reply["Records"]]
            iterator = reply["NextShardIterator"]
        assert sorted(read) == sorted(f"{w}-{n}" for w in range(WRITERS) for n in range(WRITES))
