"""SqsDeliveryQueue and S3Archive against the provisioned queue, dead-letter queue and bucket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from integration_support import delivery_for, listing

from chalicelib.s3_archive import S3Archive
from chalicelib.sqs_queue import SqsDeliveryQueue
from gateway.delivery.planning import Delivery


@pytest.fixture
def queue(aws) -> SqsDeliveryQueue:
    return SqsDeliveryQueue(
        aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"]
    )


def drain(sqs, url: str, visibility: int = 60) -> list[dict]:  # type: ignore[no-untyped-def]
    messages: list[dict] = []
    while True:
        reply = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=visibility, WaitTimeSeconds=0
        )
        batch = reply.get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        for message in batch:  # FIFO: a group's next message waits until this one is gone
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def twenty_five_deliveries() -> list[Delivery]:
    return [
        delivery_for(f"sub_{n % 3}", listing(decision_number=f"(2024)黑09执{n}号"))
        for n in range(25)
    ]


def test_enqueue_sends_every_delivery_in_batches_of_ten(aws, queue):
    deliveries = twenty_five_deliveries()

    queue.enqueue(deliveries)

    received = drain(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    got = {d.delivery_id: d for d in (Delivery.model_validate_json(m["Body"]) for m in received)}
    assert got == {d.delivery_id: d for d in deliveries}
    assert len(received) == 25


def test_enqueued_messages_carry_the_whole_delivery(aws, queue):
    delivery = delivery_for("sub_1")

    queue.enqueue([delivery])

    [message] = drain(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    assert Delivery.model_validate_json(message["Body"]) == delivery


def test_enqueueing_nothing_sends_nothing(aws, queue):
    queue.enqueue([])

    assert drain(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"]) == []


def test_dead_letter_puts_the_delivery_on_the_dead_letter_queue_only(aws, queue):
    delivery = delivery_for("sub_1")

    queue.dead_letter(delivery)

    [parked] = drain(aws.sqs, aws.env["CG_DELIVERY_DLQ_URL"])
    assert Delivery.model_validate_json(parked["Body"]) == delivery
    assert drain(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"]) == []


def received_message(aws, queue: SqsDeliveryQueue) -> dict:  # type: ignore[no-untyped-def]
    queue.enqueue([delivery_for("sub_1")])
    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    [message] = aws.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    return message


def test_retry_later_hides_the_message_for_the_longest_default_delay(aws, queue):
    message = received_message(aws, queue)

    queue.retry_later(message["ReceiptHandle"], timedelta(hours=10))

    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    assert aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []


def test_retry_later_caps_a_delay_beyond_twelve_hours_within_the_sqs_limit(aws, queue):
    """SQS refuses a visibility that ends more than 12 h after receipt; the cap must respect it."""
    message = received_message(aws, queue)

    queue.retry_later(message["ReceiptHandle"], timedelta(hours=13))

    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    assert aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []


def test_the_archive_keeps_raw_bytes_and_metadata(aws):
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    body = '{"region": "230900", "名称": "七台河"}'.encode()

    archive.put("pushes/230900/2024/03/02/b-1.json", body, {"key-id": "qth-1", "region": "230900"})

    assert archive.get("pushes/230900/2024/03/02/b-1.json") == body
    head = aws.s3.head_object(
        Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key="pushes/230900/2024/03/02/b-1.json"
    )
    assert head["Metadata"] == {"key-id": "qth-1", "region": "230900"}
    assert head["ContentType"] == "application/json"


def test_archived_evidence_is_never_overwritten(aws):
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    key = "pushes/230900/2024/03/02/b-1.json"

    first = archive.put(key, b'{"first": 1}', {})
    second = archive.put(key, b'{"second": 2}', {})

    versions = aws.s3.list_object_versions(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix=key)
    assert (first, second, len(versions["Versions"])) == (True, False, 1)
    assert archive.get(key) == b'{"first": 1}'
