"""A batch whose file expired is dead, its note saying "replay log entries 1-3": the replay
made of it is recorded under the changes' webhook ids and counted (review 268: a subscription
that ever took batches left them unrecorded, as if lines of a delivered batch)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, StreamReader, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    push_and_fan_out,
    subscribe,
    subscription_path,
)

from chalicelib.bootstrap import container
from gateway.statistics.tallies import month_of
from gateway_client.contract.signing import Ed25519Signer

THREE = [
    black_entry(),
    black_entry(decision_number="(2024)黑09执124号"),
    black_entry(credit_code="91430100687234560U", decision_number="(2024)黑09执200号"),
]


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


def counted(subscription: dict[str, Any]) -> int:
    sub = subscription["subscription_id"]
    month = container().statistics.read(CITY, month_of(container().clock.now()))
    return sum(c.get(f"delivered#{sub}", 0) for c in month.values())


def test_replay_of_an_expired_batch_file_is_recorded_and_counted(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.answer(204, "")
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, THREE)
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    listed = aws.s3.list_objects_v2(Bucket=bucket, Prefix="batches/")
    [key] = [x["Key"] for x in listed.get("Contents", [])]
    aws.s3.delete_object(Bucket=bucket, Key=key)
    queue.run()  # dead: its file is gone, "replay log entries 1-3"
    assert hook.requests == []

    path = subscription_path(mine, "/replay")
    replayed = as_operator(gateway, "post", path, b'{"from_sequence": 1}')
    assert replayed.status_code == 202, replayed.json_body
    queue.run()
    queue.run()
    sent = [json.loads(r.body) for r in hook.requests]
    assert len(sent) == 3, [s.get("type") for s in sent]  # the subscriber has them now
    ids = [
        s["webhook_id"] if "webhook_id" in s else r.headers.get("webhook-id")
        for s, r in zip(sent, hook.requests, strict=True)
    ]

    views = [as_operator(gateway, "get", f"/v1/deliveries/{i}") for i in ids]
    states = [(v.status_code, v.json_body.get("state")) for v in views]
    assert counted(mine) == 3, ("counted", counted(mine), states)
    assert states == [(200, "delivered")] * 3, states
