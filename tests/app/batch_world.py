"""The world of the handed-again batch tests (``test_batch_handed_again``,
``test_batch_mode_turns``): a city pushing three changes to a province's subscription, the
stream and the queue run by hand, as Lambda would hand them (again)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, StreamReader, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    subscribe,
    subscription_path,
)

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.statistics.tallies import month_of
from gateway_client.contract.signing import Ed25519Signer

THREE = [
    black_entry(),
    black_entry(decision_number="(2024)黑09执124号"),
    black_entry(credit_code="91430100687234560U", decision_number="(2024)黑09执200号"),
]


Event = dict[str, Any]


@dataclass
class World:
    """A city pushing three changes to a province's subscription, the stream and queue run by
    hand, as Lambda would hand them (again)."""

    gateway: Gateway
    stream: StreamReader
    queue: DeliveryQueue
    hook: AnsweringReceiver
    city: Ed25519Signer
    aws: Any  # the mocked AWS (its bucket, for a file to go missing)

    def pushed(self, mode: str = "batched", **settings: Any) -> tuple[dict[str, Any], Event]:
        """A subscription, then the three changes pushed: it, and their stream records."""
        mine = subscribe(self.gateway, self.hook.url, delivery_mode=mode, **settings)
        assert self.gateway.push(self.city, CITY, THREE).json_body["accepted"] == 3
        return mine, self.stream.event()

    def fan_out(self, event: Event, first: int | None = None) -> None:
        """Fan-out of the records, or of the ``first`` of them (a bisected half)."""
        records = event["Records"] if first is None else event["Records"][:first]
        gateway_app.fan_out_changes({"Records": records}, None)

    def dead_then_split_delivered(self) -> dict[str, Any]:
        """The file of the three died (a dead record per line); a split copy of its first two
        lines was then delivered."""
        self.hook.answer(500, "down")
        mine, event = self.pushed(retry_schedule_seconds=[0])
        self.fan_out(event)
        self.queue.run()
        self.queue.run()
        self.hook.answer(204)
        self.fan_out(event, 2)
        self.queue.run()
        assert json.loads(self.hook.requests[-1].body)["count"] == 2
        return mine

    def listed(self, mine: dict[str, Any], query: str = "") -> list[dict[str, Any]]:
        path = subscription_path(mine, f"/deliveries{query}")
        return list(as_operator(self.gateway, "get", path).json_body["deliveries"])


@pytest.fixture
def world(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> World:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return World(gateway, stream, queue, hook, signer, aws)


def counted(subscription: dict[str, Any]) -> int:
    """The deliveries of ``subscription`` this month's statistics count as delivered."""
    sub = subscription["subscription_id"]
    month = container().statistics.read(CITY, month_of(container().clock.now()))
    return sum(c.get(f"delivered#{sub}", 0) for c in month.values())
