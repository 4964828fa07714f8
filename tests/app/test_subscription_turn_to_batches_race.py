"""A PATCH to batched whose read of the subscription is stale (another PATCH turned it single
meanwhile) is refused 503 ``busy``, nothing written, to be sent again (review 268: written
unpinned, its ``batched_from`` was 0, and a stream batch handed again re-sent what had gone
singly)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, StreamReader, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    signed,
    subscribe,
    subscription_path,
)

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.delivery.subscription import SubscriptionChanges
from gateway_client.contract import Busy
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


def test_a_racing_patch_to_batched_keeps_batched_from_at_the_log_size(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    province = gateway.register_platform(HUNAN)
    mine = subscribe(gateway, hook.url)  # single
    sid = mine["subscription_id"]
    assert gateway.push(city, CITY, THREE).json_body["accepted"] == 3
    event = stream.event()
    gateway_app.fan_out_changes(event, None)
    queue.run()
    queue.run()
    assert len(hook.requests) == 3  # sent singly

    path = subscription_path(mine)
    assert signed(gateway, province, "PATCH", path, {"delivery_mode": "batched"}).status_code == 200
    stale = container().subscriptions.get(sid)  # request B reads it: batched
    assert stale is not None
    assert stale.batched_from == 3
    # request A lands first: back to single
    assert signed(gateway, province, "PATCH", path, {"delivery_mode": "single"}).status_code == 200
    # request B, on its stale read, asks for batched: refused, nothing written, to be sent again
    with pytest.raises(Busy):
        container().subscription_admin.update(stale, SubscriptionChanges(delivery_mode="batched"))
    held = container().subscriptions.get(sid)
    assert held is not None
    assert held.delivery_mode == "single"
    again = signed(gateway, province, "PATCH", path, {"delivery_mode": "batched"})
    assert again.status_code == 200, again.json_body
    stored = container().subscriptions.get(sid)
    assert stored is not None
    assert stored.delivery_mode == "batched"

    gateway_app.fan_out_changes(event, None)  # the same stream batch, handed again
    queue.run()
    queue.run()
    assert (stored.batched_from, len(hook.requests)) == (3, 3)
