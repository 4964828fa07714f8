"""Sending one delivery: sign, POST, record the attempt, decide delivered / retry / dead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import AwareDatetime

from gateway.clock import Clock
from gateway.fanout import Delivery, payload_for
from gateway.model import Frozen
from gateway.ports import SubscriptionStore
from gateway.signing import (
    ID_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Ed25519Signer,
    HmacSigner,
)
from gateway.subscription import Subscription

# Standard Webhooks schedule after the immediate first attempt.
DEFAULT_RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
REQUEST_TIMEOUT_SECONDS = 15.0


class DeliveryState(StrEnum):
    DELIVERED = "delivered"
    RETRYING = "retrying"
    DEAD = "dead"


_SETTLED = frozenset({DeliveryState.DELIVERED, DeliveryState.DEAD})


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body_excerpt: str
    elapsed_ms: int


class WebhookTransport(Protocol):
    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        """POST without following redirects; connection failures come back as status 0."""
        ...


class Attempt(Frozen):
    at: AwareDatetime
    status: int
    latency_ms: int
    response_excerpt: str


@dataclass(frozen=True)
class DeliveryRecord:
    """What the delivery log keeps about one delivery (attempts aside)."""

    delivery_id: str
    subscription_id: str
    state: DeliveryState
    credit_code: str
    listing_id: str
    origin_region: str
    updated_at: str


class DeliveryLog(Protocol):
    def state(self, delivery_id: str) -> DeliveryState | None: ...

    def record(self, delivery: Delivery, attempt: Attempt, state: DeliveryState) -> None:
        """Append the attempt; a delivery once ``delivered`` never goes back."""
        ...


@dataclass(frozen=True)
class Outcome:
    state: DeliveryState | None  # None: nothing to do (already delivered, or no subscription)
    retry_after: timedelta | None = None


class DeliveryService:
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        log: DeliveryLog,
        transport: WebhookTransport,
        signer: Ed25519Signer,
        clock: Clock,
        schedule: Sequence[timedelta] = DEFAULT_RETRY_SCHEDULE,
    ) -> None:
        self._subscriptions = subscriptions
        self._log = log
        self._transport = transport
        self._signer = signer
        self._clock = clock
        self._schedule = tuple(schedule)

    @property
    def max_attempts(self) -> int:
        return len(self._schedule) + 1

    def deliver(self, delivery: Delivery, attempt_number: int) -> Outcome:
        """Make attempt ``attempt_number`` (1-based) of ``delivery``."""
        if not delivery.replay and self._log.state(delivery.delivery_id) in _SETTLED:
            return Outcome(state=None)  # a duplicate message: the first copy settled it
        subscription = self._subscriptions.get(delivery.subscription_id)
        if subscription is None:
            return Outcome(state=None)
        body = payload_for(delivery).to_bytes()
        now = self._clock.now()
        headers = self.headers_for(subscription, delivery.delivery_id, int(now.timestamp()), body)
        response = self._transport.post(subscription.url, headers, body, REQUEST_TIMEOUT_SECONDS)
        attempt = Attempt(
            at=now,
            status=response.status,
            latency_ms=response.elapsed_ms,
            response_excerpt=response.body_excerpt[:500],
        )
        if 200 <= response.status < 300:
            outcome = Outcome(state=DeliveryState.DELIVERED)
        elif attempt_number >= self.max_attempts:
            outcome = Outcome(state=DeliveryState.DEAD)
        else:
            outcome = Outcome(DeliveryState.RETRYING, self._schedule[attempt_number - 1])
        self._log.record(delivery, attempt, outcome.state or DeliveryState.DEAD)
        return outcome

    def headers_for(
        self, subscription: Subscription, msg_id: str, timestamp: int, body: bytes
    ) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            ID_HEADER: msg_id,
            TIMESTAMP_HEADER: str(timestamp),
        }
        if subscription.secret is not None:  # v1: the model guarantees a secret
            headers[SIGNATURE_HEADER] = HmacSigner(subscription.secret).sign(
                msg_id, timestamp, body
            )
        else:
            headers[SIGNATURE_HEADER] = self._signer.sign(msg_id, timestamp, body)
            headers[KEY_ID_HEADER] = self._signer.key_id
        return headers
