"""A delivery larger than a queue message holds (SQS: 256 KiB; a listing at its fields' limits
with a long history and its region's measures passes it: review 376) is queued by reference and
rebuilt from the exchange log when taken from the queue: its subscriber receives what it would
have received whole, and one whose change was erased meanwhile is not sent. The limit is made
small here, so that an ordinary delivery stands in for a large one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, black_entry, hunan_recognises_city, sqs_event
from delivery_support import DeliveryQueue, push_and_fan_out, subscribe

from chalicelib import sqs_queue
from gateway.delivery import Delivery, Referenced, by_reference, payload_for
from gateway.delivery.rebuilding import FromTheLog


@pytest.fixture
def referenced(monkeypatch: pytest.MonkeyPatch) -> list[Delivery]:
    """Every delivery past 1,000 bytes goes by reference; the deliveries that did, as planned."""
    planned: list[Delivery] = []

    def spied(delivery: Delivery) -> Referenced | None:
        planned.append(delivery)
        return by_reference(delivery)

    monkeypatch.setattr(sqs_queue, "_BATCH_BYTES", 1_000)
    monkeypatch.setattr(sqs_queue, "by_reference", spied)
    return planned


@pytest.mark.parametrize("recognised", [True, False], ids=["recognised", "masked"])
def test_a_delivery_past_a_message_reaches_its_subscriber_as_it_was_planned(
    gateway: Gateway,
    aws: Any,
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

    [planned] = referenced
    [message] = [json.loads(r["body"]) for r in event["Records"]]
    assert message["type"] == "delivery.by_reference"
    assert "change" not in message["kept"]  # the log's
    assert black_entry()["subject_name"] not in json.dumps(message, ensure_ascii=False)
    [received] = receiver.requests
    assert received.headers["webhook-id"] == planned.delivery_id
    assert json.loads(received.body) == json.loads(
        payload_for(planned, subscriber_region=HUNAN).to_bytes()
    )
    record = gateway.client.http.get(
        f"/v1/deliveries/{planned.delivery_id}", headers=gateway.operator()
    )
    assert record.json_body["state"] == "delivered", record.json_body


def test_a_delivery_by_reference_whose_listing_was_erased_since_is_not_sent(
    gateway: Gateway,
    aws: Any,
    stream: Any,
    receiver: Any,
    queue: DeliveryQueue,
    referenced: list[Delivery],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway.put_region(HUNAN)
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    event = sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], "cn-northwest-1")
    # the change erased from the log since (what a purge leaves: ``FromTheLog.logged``)
    monkeypatch.setattr(FromTheLog, "logged", lambda self, sequence: None)
    outcome = queue.run(event)

    assert outcome["batchItemFailures"] == []
    assert receiver.requests == []
    assert queue.dead_letters() == []
