"""What the delivery routes answer is what the published OpenAPI document says they answer:
a client generated from it (``additionalProperties: false``, its ``required`` lists) reads
every kind of delivery — one delivered at once, a dead one, a replay's record, a batch and its
lines — from the subscription's list and by id (review 32: ``replay_of`` was answered but not
published, and ``listed_at``, ``batch_id`` and ``batch`` were published as always there)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    push_and_fan_out,
    signed,
    subscribe,
)
from delivery_support import subscription_path as path_of
from jsonschema import Draft202012Validator

from chalicelib import openapi
from gateway_client.contract.signing import Ed25519Signer

SECOND_DECISION = "(2024)黑09执124号"


@pytest.fixture
def province(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(HUNAN)


def problems(path: str, answer: dict[str, Any]) -> list[str]:
    """Where ``answer`` departs from the 200 reply the document publishes for ``path``."""
    document = openapi.build_document()
    reply = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    validator = Draft202012Validator({**reply["schema"], "components": document["components"]})
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer)]


def every_reply(gateway: Gateway, created: dict[str, Any]) -> list[str]:
    """The list's and each listed delivery's problems (a batch's line is read as its batch)."""
    listed = as_operator(gateway, "get", path_of(created, "/deliveries"))
    assert listed.status_code == 200, listed.json_body
    found = problems("/v1/subscriptions/{subscription_id}/deliveries", listed.json_body)
    for view in listed.json_body["deliveries"]:
        shown = as_operator(
            gateway, "get", f"/v1/deliveries/{view.get('batch_id') or view['delivery_id']}"
        )
        assert shown.status_code == 200, shown.json_body
        found += problems("/v1/deliveries/{delivery_id}", shown.json_body)
    return found


def test_single_deliveries_and_a_replay_answer_as_published(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    created = subscribe(gateway, hook.url, HUNAN, retry_schedule_seconds=[0])
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    replayed = signed(gateway, province, "POST", path_of(created, "/replay"), {"from_sequence": 1})
    assert replayed.status_code == 202, replayed.json_body
    queue.run()
    hook.answer(500, "down")
    push_and_fan_out(
        gateway, stream, province, HUNAN, [black_entry(decision_number=SECOND_DECISION)]
    )
    for _ in range(3):
        queue.run()

    listed = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body["deliveries"]
    assert sorted(d["state"] for d in listed) == ["dead", "delivered", "delivered"]
    assert len([d for d in listed if "replay_of" in d]) == 1
    assert every_reply(gateway, created) == []


def test_a_batch_and_its_lines_answer_as_published(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    created = subscribe(gateway, hook.url, HUNAN, delivery_mode="batched")
    entries = [black_entry(), black_entry(decision_number=SECOND_DECISION)]
    push_and_fan_out(gateway, stream, province, HUNAN, entries)
    queue.run()

    listed = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body["deliveries"]
    assert [("batch_id" in d) for d in listed] == [True, True]
    assert every_reply(gateway, created) == []
