"""The local stack's DynamoDB answers requests made at once as DynamoDB does
(``infra/local/moto_speedup.py``): moto's server answers each request on a thread, and moto alone
lost a write when a cancelled transaction's whole-table rollback ran beside it, let two
conditional writes both pass, and failed a transaction while another request added an item; and
S3 lost versions of a key written by several requests at once."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

_ROUNDS = 120


@pytest.fixture
def busy_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process moto whose callers' threads take turns often, as a busy server's do."""
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # as tests/aws_support.py
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with mock_aws():
            yield
    finally:
        sys.setswitchinterval(switching)


@pytest.fixture
def ddb(busy_moto: None) -> Any:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="streamed",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    return client


def _at_once(*work: Callable[[], None]) -> list[BaseException]:
    failures: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_writes_beside_cancelled_transactions_are_all_kept(ddb: Any) -> None:
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "held"}})

    def write(writer: int) -> Callable[[], None]:
        def job() -> None:
            for n in range(_ROUNDS):
                ddb.put_item(TableName="streamed", Item={"pk": {"S": f"{writer}-{n}"}})

        return job

    def cancelled() -> None:
        put = {"TableName": "streamed", "Item": {"pk": {"S": "held"}}}
        for _ in range(_ROUNDS):
            with pytest.raises(ClientError, match="TransactionCanceled"):
                ddb.transact_write_items(
                    TransactItems=[
                        {"Put": {**put, "ConditionExpression": "attribute_not_exists(pk)"}}
                    ]
                )

    assert _at_once(write(0), write(1), write(2), cancelled, cancelled) == []
    count = ddb.scan(TableName="streamed", Select="COUNT", ConsistentRead=True)["Count"]
    assert count == 3 * _ROUNDS + 1


def test_of_conditional_writes_made_at_once_one_wins(ddb: Any) -> None:
    won: list[str] = []

    def claim(by: str) -> Callable[[], None]:
        def job() -> None:
            for n in range(_ROUNDS):
                try:
                    ddb.put_item(
                        TableName="streamed",
                        Item={"pk": {"S": f"claim-{n}"}, "by": {"S": by}},
                        ConditionExpression="attribute_not_exists(pk)",
                    )
                    won.append(f"{n}:{by}")
                except ClientError as refused:
                    if refused.response["Error"]["Code"] != "ConditionalCheckFailedException":
                        raise

        return job

    assert _at_once(*(claim(by) for by in "abcd")) == []
    assert sorted(int(w.split(":")[0]) for w in won) == list(range(_ROUNDS))


@pytest.mark.usefixtures("busy_moto")
def test_versions_of_one_key_written_at_once_are_all_kept() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="cg-at-once")
    s3.put_bucket_versioning(Bucket="cg-at-once", VersioningConfiguration={"Status": "Enabled"})
    # moto imports its S3 modules on a process's first object request: made at once, the
    # import itself raced (ImportError "module moto.s3.urls not in sys.modules"), which is
    # not what this test is about — a server has answered requests before it meets this
    s3.put_object(Bucket="cg-at-once", Key="warm-up", Body=b"")

    def write(writer: int) -> Callable[[], None]:
        def job() -> None:
            for n in range(_ROUNDS):
                s3.put_object(Bucket="cg-at-once", Key="checkpoint", Body=f"{writer}-{n}".encode())

        return job

    assert _at_once(write(0), write(1), write(2)) == []
    versions = s3.list_object_versions(Bucket="cg-at-once", Prefix="checkpoint")["Versions"]
    assert len(versions) == 3 * _ROUNDS
    [latest] = [v for v in versions if v["IsLatest"]]
    current = s3.get_object(Bucket="cg-at-once", Key="checkpoint")
    assert current["VersionId"] == latest["VersionId"]
