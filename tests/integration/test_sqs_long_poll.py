"""The local stack's SQS long poll (``infra/local/moto_speedup.py``): a ``ReceiveMessage`` that
waits lets other calls through, so a message sent while it waits is what it returns, and a FIFO
group freed while it waits is received (moto alone held its queue lock for the whole wait: the
send waited for the poll, and the poll returned nothing)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def fifo(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # as tests/aws_support.py
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(
            QueueName="q.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        yield sqs, url


def later(action: Any) -> threading.Timer:
    """``action`` on another thread once the main thread is (very likely) already waiting."""
    timer = threading.Timer(0.3, action)
    timer.start()
    return timer


def test_a_message_sent_while_a_long_poll_waits_is_what_it_receives(
    fifo: tuple[Any, str],
) -> None:
    sqs, url = fifo
    sender = later(lambda: sqs.send_message(QueueUrl=url, MessageBody="hello", MessageGroupId="g"))

    reply = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    sender.join()

    assert [m["Body"] for m in reply.get("Messages", [])] == ["hello"]


def test_a_fifo_group_freed_while_a_long_poll_waits_is_received(fifo: tuple[Any, str]) -> None:
    sqs, url = fifo
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    (first,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"]
    deleter = later(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"]))

    reply = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    deleter.join()

    assert first["Body"] == "first"
    assert [m["Body"] for m in reply.get("Messages", [])] == ["second"]
