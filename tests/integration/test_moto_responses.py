"""The local stack's cheaper moto answers (``infra/local/moto_responses.py``): every answer is the
one moto's own attribute lookup writes, for items of every attribute type, nested, through
each kind of read and write the gateway makes (a projected read too); an item read while another
thread adds to it is still answered; and request ids keep their form."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import serialize

ITEM = {
    "pk": {"S": "a"},
    "n": {"N": "12.5"},
    "b": {"B": b"\x00\x01bytes"},
    "ss": {"SS": ["x", "y"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"a", b"b"]},
    "nothing": {"NULL": True},
    "yes": {"BOOL": True},
    "l": {"L": [{"S": "in a list"}, {"M": {"deep": {"N": "3"}}}]},
    "m": {"M": {"inner": {"L": [{"BOOL": False}]}, "s": {"S": "in a map"}}},
}


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # as tests/aws_support.py
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


def _answers(ddb: Any, table: str) -> list[Any]:
    """One answer of each kind the gateway reads, their request metadata left out."""
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"pk": {"S": "a"}}
    calls: list[Callable[[], Any]] = [
        lambda: ddb.put_item(TableName=table, Item=ITEM, ReturnValues="ALL_OLD"),
        lambda: ddb.get_item(TableName=table, Key=key, ConsistentRead=True),
        lambda: ddb.get_item(TableName=table, Key=key, ProjectionExpression="ss, m"),
        lambda: ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="ADD n :one SET m.s = :s",
            ExpressionAttributeValues={":one": {"N": "1"}, ":s": {"S": "changed"}},
            ReturnValues="ALL_NEW",
        ),
        lambda: ddb.batch_get_item(RequestItems={table: {"Keys": [key, {"pk": {"S": "none"}}]}}),
        lambda: ddb.transact_get_items(
            TransactItems=[
                {"Get": {"TableName": table, "Key": k}} for k in (key, {"pk": {"S": "z"}})
            ]
        ),
        lambda: ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :a",
            ExpressionAttributeValues={":a": {"S": "a"}},
        ),
        lambda: ddb.scan(TableName=table),
        lambda: ddb.describe_table(TableName=table)["Table"]["KeySchema"],
    ]
    answers = []
    for call in calls:
        answer = call()
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
        answers.append(answer)
    return answers


def test_every_answer_is_the_one_moto_writes_unaided(
    ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    picker: Any = serialize.XFormedAttributePicker
    cached = picker.get_possible_keys
    assert cached.uncached  # installed by tests/conftest.py, as by the local stack

    faster = _answers(ddb, "t")
    ddb.delete_table(TableName="t")
    monkeypatch.setattr(picker, "get_possible_keys", cached.uncached)
    unaided = _answers(ddb, "t")

    assert faster == unaided
    assert faster[1]["Item"] == ITEM
    projected = faster[2]["Item"]  # a string set's order is DynamoDB's to choose
    assert (set(projected), sorted(projected["ss"]["SS"])) == ({"ss", "m"}, ["x", "y"])
    assert projected["m"] == ITEM["m"]


def test_request_ids_keep_their_form(ddb: Any) -> None:
    ids = {ddb.list_tables()["ResponseMetadata"]["RequestId"] for _ in range(20)}
    assert len(ids) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9]{52}", i) for i in ids)


def test_an_item_read_while_another_thread_adds_to_it_is_answered(ddb: Any) -> None:
    """Each answer is the item as of one moment, whatever a concurrent update adds."""
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"pk": {"S": "a"}}
    ddb.put_item(TableName="t", Item={**key, **{f"a{i}": {"N": "1"} for i in range(50)}})
    stop, failures = threading.Event(), []

    def add() -> None:
        for i in range(600):
            if stop.is_set():
                return
            ddb.update_item(
                TableName="t",
                Key=key,
                UpdateExpression="ADD #n :one",
                ExpressionAttributeNames={"#n": f"b{i}"},
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    adder = threading.Thread(target=add)
    adder.start()
    try:
        for _ in range(60):
            try:
                got = ddb.transact_get_items(
                    TransactItems=[{"Get": {"TableName": "t", "Key": key}}]
                )
                assert got["Responses"][0]["Item"]["a0"] == {"N": "1"}
                assert ddb.get_item(TableName="t", Key=key)["Item"]["a49"] == {"N": "1"}
            except RuntimeError as error:  # "dictionary changed size during iteration"
                failures.append(error)
    finally:
        stop.set()
        adder.join()
    assert failures == []
