"""Batched delivery in memory: numbered deliveries for a few subjects, the bucket's files, and
a gateway that writes a file and signs its announcement (``gateway.delivery.batching``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from builders import NOW, change, gateway_signers, listing, make_uscc, subscription
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport

from gateway.delivery import Batch, Delivery, DeliveryService, Subscription, plan_deliveries
from gateway.delivery.batching import described, file_of, key_of, without
from gateway.delivery.planning import stamped
from gateway_client.contract import Change, FixedClock

GATEWAY = gateway_signers("gw-1")
HUNAN = "430000"


def batched(subscription_id: str = "sub-hunan", region: str = HUNAN) -> Subscription:
    return subscription(subscription_id, region=region).model_copy(
        update={"delivery_mode": "batched"}
    )


def changes(count: int, first: int = 1) -> list[Change]:
    """One change per subject, ``count`` subjects."""
    return [change(listing(credit_code=make_uscc(first + n))) for n in range(count)]


def numbered(
    made: Sequence[Change], subscriptions: Sequence[Subscription], first_log: int = 40
) -> list[Delivery]:
    """What fan-out queues for ``made`` (logged from ``first_log``), before batching."""
    planned = [d for c in made for d in plan_deliveries(c, subscriptions, [])]
    logged = {c.change_id: first_log + n for n, c in enumerate(made)}
    counters: dict[str, int] = {}

    def allocate(subscription_id: str, count: int) -> int:
        start = counters.get(subscription_id, 0) + 1
        counters[subscription_id] = start + count - 1
        return start

    return stamped(planned, logged, allocate)


@dataclass
class InMemoryFiles:
    """The bucket's ``batches/``: write-once, and a fresh link at each call."""

    files: dict[str, bytes] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    base: str = "https://archive.example.cn/"

    def write(self, key: str, body: bytes) -> bytes:
        return self.files.setdefault(key, body)

    def read(self, key: str) -> bytes | None:
        return self.files.get(key)

    def link(self, key: str, expires: timedelta) -> str | None:
        if key not in self.files:
            return None
        self.links.append(f"{self.base}{key}?X-Amz-Expires={int(expires.total_seconds())}")
        self.links[-1] += f"&n={len(self.links)}"
        return self.links[-1]

    def remove(self, key: str) -> None:
        self.files.pop(key, None)

    def without(self, key: str, listing_ids: Collection[str]) -> bytes | None:
        return self.rewritten(key, lambda body: without(body, listing_ids))

    def rewritten(self, key: str, rewrite: Callable[[bytes], bytes]) -> bytes | None:
        kept = rewrite(self.files.pop(key, b""))
        if kept:
            self.files[key] = kept
        return kept or None


@dataclass
class BatchGateway:
    """A delivery service with batch files, posting to a recording transport."""

    target: Subscription = field(default_factory=batched)
    status: int = 204
    files: InMemoryFiles = field(default_factory=InMemoryFiles)
    acknowledgements: Any = None
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))

    def __post_init__(self) -> None:
        self.transport = RecordingTransport(status=self.status)
        self.log = InMemoryDeliveryLog()
        self.subscriptions = InMemorySubscriptionStore(self.target)
        self.service = DeliveryService(
            self.subscriptions,
            self.log,
            self.transport,
            GATEWAY,
            self.clock,
            schedule=(timedelta(seconds=5), timedelta(minutes=5)),
            roll=lambda: 0.5,
            acknowledgements=self.acknowledgements,
            files=self.files,
        )

    def batch_of(
        self, lines: Sequence[Delivery], body: bytes | None = None, batch_id: str = "bat_test"
    ) -> Batch:
        """Write ``body`` (default: the lines' file) and describe it as fan-out would."""
        logged = [d.log_sequence or 0 for d in lines]
        key = key_of(self.target.subscription_id, min(logged), max(logged), batch_id)
        stored = self.files.write(key, body or file_of(lines, self.target.region))
        return described(stored, key, self.target.subscription_id, FixedClock(NOW))

    def announce(self, batch: Batch) -> tuple[dict[str, str], bytes]:
        """The webhook the gateway posts for ``batch`` (its last post)."""
        self.service.deliver(batch, 1)
        post = self.transport.posts[-1]
        return post.headers, post.body
