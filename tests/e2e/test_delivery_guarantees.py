"""Delivery on the local stack: HMAC deliveries any Standard Webhooks library verifies,
retries into the dead-letter queue, and duplicate queue messages settled once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.bootstrap import container
from gateway.delivery.planning import Delivery
from gateway.delivery.records import DeliveryState
from gateway_client.contract.signing import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, http_request
from infra.local import scenario
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

REGION, PROVINCE = "230900", "230000"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """A stack whose retries come back at once, so exhausting them takes no waiting."""
    with LocalStack(retry_schedule_seconds=(0, 0, 0, 0, 0, 0, 0)) as running:
        yield running


@pytest.fixture(scope="module")
def platform(stack: LocalStack) -> PushClient:
    operator = {"authorization": f"Bearer {stack.operator_token}"}
    for code, name in ((REGION, "七台河市"), (PROVINCE, "黑龙江省")):
        http_request(
            "PUT", f"{stack.url}/v1/regions/{code}", json.dumps({"name": name}).encode(), operator
        )
    private = load_private_key(generate_signing_key())
    http_request(
        "POST",
        f"{stack.url}/v1/regions/{REGION}/keys",
        json.dumps({"key_id": "qth-e2e", "public_key": public_key_text(private)}).encode(),
        operator,
    )
    return PushClient(stack.url, REGION, Ed25519Signer("qth-e2e", private))


def subscribe(stack: LocalStack, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    """The receiver subscribes itself: it answers the challenge, then checks the audience."""
    operator = {"authorization": f"Bearer {stack.operator_token}"}
    created = receiver.subscribe(stack.url, {"region": PROVINCE, **fields}, operator)
    assert created["state"] == "verified"
    return created


def push_one(platform: PushClient, code: str, decision: str, domain: str) -> None:
    now = datetime.now(UTC)
    entry = scenario.entry(
        now.date(),
        now,
        credit_code=code,
        subject_name="七台河市某公司",
        domain=domain,
        deciding_authority="七台河市中级人民法院",
        decision_number=decision,
    )
    reply = platform.push([entry], now)
    assert reply.status == 200
    assert reply.body["accepted"] == 1


def test_hmac_deliveries_verify_with_the_independent_standard_webhooks_library(
    stack: LocalStack, platform: PushClient
) -> None:
    receiver = Receiver("hmac").start()
    subscription = subscribe(
        stack, receiver, signature_scheme="v1", filters={"domains": ["court_defaulter"]}
    )

    push_one(
        platform, scenario.make_uscc("91230900MA1HM4C01"), "(2026)黑09执201号", "court_defaulter"
    )
    assert stack.pump is not None
    stack.pump.drain()
    receiver.stop()

    assert len(receiver.raw) == 1
    headers, body = receiver.raw[0]
    parsed = Webhook(subscription["secret"]).verify(body, headers)
    assert parsed["data"]["listing"]["decision_number"] == "(2026)黑09执201号"


def test_a_receiver_that_keeps_failing_gets_every_attempt_then_the_dead_letter_queue(
    stack: LocalStack, platform: PushClient
) -> None:
    receiver = Receiver("down", respond=lambda: 500).start()
    subscription = subscribe(stack, receiver, filters={"domains": ["food_drug"]})

    push_one(platform, scenario.make_uscc("91230900MA1DLQ5R2"), "(2026)黑09执202号", "food_drug")
    assert stack.pump is not None
    stack.pump.drain()
    receiver.stop()

    attempts = container().delivery_service.max_attempts
    webhook_ids = {headers["webhook-id"] for headers, _ in receiver.raw}
    assert len(receiver.raw) == attempts
    assert len(webhook_ids) == 1
    delivery_id = webhook_ids.pop()
    assert container().deliveries.state(delivery_id) is DeliveryState.DEAD
    dead = _dead_letters(stack)
    assert [d.delivery_id for d in dead] == [delivery_id]
    assert dead[0].subscription_id == subscription["subscription_id"]


def test_a_queue_message_delivered_twice_reaches_the_receiver_once(
    stack: LocalStack, platform: PushClient
) -> None:
    receiver = Receiver("twice").start()
    subscribe(stack, receiver, filters={"domains": ["pricing"]})
    push_one(platform, scenario.make_uscc("91230900MA1DUP6T3"), "(2026)黑09执203号", "pricing")
    assert stack.pump is not None
    stack.pump.drain()
    first = list(receiver.received)
    assert len(first) == 1

    container().queue.enqueue([_delivery_of(first[0].payload.model_dump(mode="json"))])
    stack.pump.drain()
    receiver.stop()

    assert [r.webhook_id for r in receiver.received] == [first[0].webhook_id]
    assert container().deliveries.state(first[0].webhook_id) is DeliveryState.DELIVERED


def _delivery_of(payload: dict[str, Any]) -> Delivery:
    return Delivery.model_validate(
        {
            "delivery_id": payload["delivery_id"],
            "subscription_id": payload["subscription_id"],
            "type": payload["type"],
            "change": payload["data"],
            "recognition": payload["recognition"],
        }
    )


def _dead_letters(stack: LocalStack) -> list[Delivery]:
    sqs = boto3.client("sqs", endpoint_url=stack.env["CG_AWS_ENDPOINT_URL"])
    reply = sqs.receive_message(QueueUrl=stack.env["CG_DELIVERY_DLQ_URL"], MaxNumberOfMessages=10)
    return [Delivery.model_validate_json(m["Body"]) for m in reply.get("Messages", [])]
