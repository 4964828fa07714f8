"""A delivery larger than a queue message holds (SQS: 256 KiB; a listing at its fields' limits
with a long history and its region's measures passes it: review 376) is queued with its
recognition kept apart and read back when it is sent: its subscriber receives exactly what was
planned — a restatement of a version the exchange log does not hold yet too (review 378) — and a
recognition that cannot be read fails only its own message group. The limit is made small
here, so that an ordinary delivery stands in for a large one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import (
    CITY,
    HUNAN,
    OTHER_CREDIT_CODE,
    Gateway,
    black_entry,
    hunan_recognises_city,
    reevaluate,
    sqs_event,
)
from delivery_support import DeliveryQueue, push_and_fan_out, subscribe

from chalicelib import sqs_queue
from chalicelib.dynamodb.delivery_items import SharedRecognitions
from gateway.delivery import Delivery, Referenced, by_reference, payload_for


@pytest.fixture
def referenced(monkeypatch: pytest.MonkeyPatch) -> list[Delivery]:
    """Every delivery past 1,000 bytes goes by reference; the deliveries that did, as planned."""
    planned: list[Delivery] = []

    def spied(delivery: Delivery, recognition_ref: str) -> Referenced:
        planned.append(delivery)
        return by_reference(delivery, recognition_ref)

    monkeypatch.setattr(sqs_queue, "_BATCH_BYTES", 1_000)
    monkeypatch.setattr(sqs_queue, "by_reference", spied)
    return planned


def _sent_as_planned(receiver: Any, planned: list[Delivery]) -> None:
    assert [r.headers["webhook-id"] for r in receiver.requests] == [d.delivery_id for d in planned]
    for received, delivery in zip(receiver.requests, planned, strict=True):
        assert json.loads(received.body) == json.loads(
            payload_for(delivery, subscriber_region=HUNAN).to_bytes()
        )


@pytest.mark.parametrize("recognised", [True, False], ids=["recognised", "masked"])
def test_a_delivery_past_a_message_reaches_its_subscriber_as_it_was_planned(
    gateway: Gateway,
    stream: Any,
    receiver: Any,
    queue: DeliveryQueue,
    referenced: list[Delivery],
    recognised: bool,
) -> None:
    if recognised:
        hunan_recognises_city(gateway)
    else:
        gateway.put_region(HUNAN)
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)

    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    event = queue.event()
    queue.run(event)

    [message] = [json.loads(r["body"]) for r in event["Records"]]
    assert message["type"] == "delivery.by_reference"
    assert "recognition" not in message["delivery"]
    _sent_as_planned(receiver, referenced)
    [planned] = referenced
    record = gateway.client.http.get(
        f"/v1/deliveries/{planned.delivery_id}", headers=gateway.operator()
    )
    assert record.json_body["state"] == "delivered", record.json_body


def test_a_restatement_of_a_version_not_logged_yet_is_sent_as_planned(
    gateway: Gateway,
    aws: Any,
    receiver: Any,
    queue: DeliveryQueue,
    referenced: list[Delivery],
) -> None:
    """The listing is stored, its stream record not read yet, when an agreement's re-evaluation
    restates it to the region: nothing of it need be in the log."""
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    assert gateway.push(city, CITY, [black_entry()]).json_body["accepted"] == 1

    hunan_recognises_city(gateway)
    reevaluate(aws)
    queue.run()

    assert [d.type for d in referenced] == ["recognition.changed"]
    _sent_as_planned(receiver, referenced)


def test_a_recognition_not_read_back_fails_only_its_own_group(
    gateway: Gateway,
    aws: Any,
    stream: Any,
    receiver: Any,
    queue: DeliveryQueue,
    referenced: list[Delivery],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hunan_recognises_city(gateway)
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    monkeypatch.setattr(sqs_queue, "_BATCH_BYTES", 1_000_000)  # the next goes whole
    other = black_entry(credit_code=OTHER_CREDIT_CODE, subject_name="长沙某某商贸有限公司")
    push_and_fan_out(gateway, stream, city, CITY, [other])
    event = sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], "cn-northwest-1")
    # the kept recognition not read back (a read failing, an item lost)
    monkeypatch.setattr(SharedRecognitions, "get", lambda self, digest: None)

    outcome = queue.run(event)

    [by_ref] = [r for r in event["Records"] if "delivery.by_reference" in r["body"]]
    assert [f["itemIdentifier"] for f in outcome["batchItemFailures"]] == [by_ref["messageId"]]
    [sent] = [json.loads(r.body) for r in receiver.requests]
    assert sent["data"]["listing"]["subject_name"] == other["subject_name"]


def test_a_kept_recognition_not_what_its_digest_names_is_replaced(
    gateway: Gateway,
    aws: Any,
    stream: Any,
    receiver: Any,
    queue: DeliveryQueue,
    referenced: list[Delivery],
) -> None:
    """Review 380: the functions that queue may write these items; one overwritten with other
    measures failed every delivery naming it, and nothing mended it."""
    hunan_recognises_city(gateway)
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    assert queue.run() == {"batchItemFailures": []}
    table = aws.env["CG_DELIVERIES_TABLE"]
    [item] = [
        x
        for x in aws.dynamodb.scan(TableName=table)["Items"]
        if x["delivery_id"]["S"].startswith("recognition#")
    ]
    wrong = json.loads(item["recognition"]["S"])
    wrong["measures"] = wrong["measures"] * 2
    aws.dynamodb.put_item(
        TableName=table, Item={**item, "recognition": {"S": json.dumps(wrong, ensure_ascii=False)}}
    )

    other = black_entry(credit_code=OTHER_CREDIT_CODE, subject_name="长沙某某商贸有限公司")
    push_and_fan_out(gateway, stream, city, CITY, [other])

    assert queue.run() == {"batchItemFailures": []}
    _sent_as_planned(receiver, referenced)
