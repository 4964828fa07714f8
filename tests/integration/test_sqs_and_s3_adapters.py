"""SqsDeliveryQueue and S3Archive against the provisioned queue, dead-letter queue and bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from integration_support import delivery_for, listing

from chalicelib.s3_archive import S3Archive
from chalicelib.sqs_queue import (
    QueueSendFailed,
    SqsDeliveryQueue,
    batches_of,
    group_of,
    lanes_of,
    message_expiry,
)
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


def test_a_delivery_dead_again_within_five_minutes_is_a_dead_letter_again(aws, queue):
    """Re-driven and dead again: SQS deduplicated the second by the record's key, so the
    operators' queue and its alarm never saw it (review 170)."""
    delivery = delivery_for("sub_1")

    queue.dead_letter(delivery)
    queue.dead_letter(delivery)

    assert len(drain(aws.sqs, aws.env["CG_DELIVERY_DLQ_URL"])) == 2


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


def subject_runs() -> list[Delivery]:
    """Four subjects' changes to two subscriptions, each subject's several in a row."""
    made = []
    for n in range(40):
        subject = listing(decision_number=f"(2024)黑09执{n // 10}号", source_sequence=n % 10 + 1)
        made.append(delivery_for(f"sub_{n % 2}", subject))
    return made


def test_each_message_groups_deliveries_arrive_in_the_order_they_were_queued(aws, queue):
    deliveries = subject_runs()

    queue.enqueue(deliveries)

    received = [
        Delivery.model_validate_json(m["Body"])
        for m in drain(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    ]
    by_group: dict[str, list[str]] = {}
    for d in received:
        by_group.setdefault(group_of(d), []).append(d.delivery_id)
    expected: dict[str, list[str]] = {}
    for d in deliveries:
        expected.setdefault(group_of(d), []).append(d.delivery_id)
    assert by_group == expected


def test_no_batch_holds_two_messages_of_one_group_and_lanes_keep_groups_whole() -> None:
    lanes = lanes_of(subject_runs())

    groups_per_lane = [{group for group, _ in lane} for lane in lanes]
    assert sum(len(g) for g in groups_per_lane) == len(set().union(*groups_per_lane))
    for lane in lanes:
        for batch in batches_of(lane):
            assert 1 <= len(batch) <= 10
            assert len({group for group, _, _ in batch}) == len(batch)


class Refusing:
    """An SQS client that refuses one entry of the first batch it is sent, once or always."""

    def __init__(self, always: bool) -> None:
        self.always = always
        self.sent: list[str] = []
        self.calls = 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict]) -> dict:
        self.calls += 1
        refused = Entries[0]["Id"] if self.calls == 1 or self.always else None
        self.sent += [e["MessageDeduplicationId"] for e in Entries if e["Id"] != refused]
        return {"Failed": [{"Id": refused}] if refused else []}


def test_a_refused_entry_is_sent_again_before_its_groups_next_message() -> None:
    deliveries = [delivery_for("sub_1", listing(source_sequence=n)) for n in (1, 2, 3)]
    client = Refusing(always=False)

    SqsDeliveryQueue(client, "q", "dlq").enqueue(deliveries)  # type: ignore[arg-type]

    assert client.sent == [d.delivery_id for d in deliveries]


def test_a_lane_that_gives_up_sends_nothing_of_that_group_after_it() -> None:
    deliveries = [delivery_for("sub_1", listing(source_sequence=n)) for n in (1, 2, 3)]
    client = Refusing(always=True)

    with pytest.raises(QueueSendFailed):
        SqsDeliveryQueue(client, "q", "dlq").enqueue(deliveries)  # type: ignore[arg-type]

    assert client.sent == []


@pytest.mark.parametrize(
    ("sent", "expiry"),
    [
        ("1767225600000", datetime(2026, 1, 14, 11, 15, tzinfo=UTC)),  # 14 days − 12 h 45 min
        (None, None),
        ("", None),
        ("not-a-number", None),
        ("1.5e12", None),
        ("９９", None),  # full-width digits: str.isdigit would take them
        ("9" * 40, None),  # past any date
    ],
)
def test_a_message_s_expiry_is_read_from_its_sent_timestamp_or_not_at_all(sent, expiry):
    """Review 173: an unreadable SentTimestamp failed the whole delivery run."""
    record = {"attributes": {} if sent is None else {"SentTimestamp": sent}}
    assert message_expiry(record) == expiry
