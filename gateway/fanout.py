"""Fan-out planning: exactly one delivery per (change, matching subscription)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Literal

from pydantic import AwareDatetime

from gateway.change import Change
from gateway.model import Frozen
from gateway.subscription import Subscription


class Delivery(Frozen):
    """One change for one subscriber. ``delivery_id`` is the webhook-id, stable across retries."""

    delivery_id: str
    subscription_id: str
    change: Change


class DeliveryPayload(Frozen):
    """The webhook body, in the Standard Webhooks ``{type, timestamp, data}`` shape."""

    type: Literal["listing.changed"] = "listing.changed"
    timestamp: AwareDatetime
    delivery_id: str
    subscription_id: str
    data: Change

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True).encode()


def delivery_id(change_id: str, subscription_id: str) -> str:
    return "msg_" + hashlib.sha256(f"{change_id}>{subscription_id}".encode()).hexdigest()[:32]


def plan_deliveries(change: Change, subscriptions: Iterable[Subscription]) -> list[Delivery]:
    """Deliveries for every enabled subscription whose filters match the changed listing."""
    return [
        Delivery(
            delivery_id=delivery_id(change.change_id, sub.subscription_id),
            subscription_id=sub.subscription_id,
            change=change,
        )
        for sub in subscriptions
        if sub.enabled and sub.filters.matches(change.listing)
    ]


def payload_for(delivery: Delivery) -> DeliveryPayload:
    return DeliveryPayload(
        timestamp=delivery.change.occurred_at,
        delivery_id=delivery.delivery_id,
        subscription_id=delivery.subscription_id,
        data=delivery.change,
    )
