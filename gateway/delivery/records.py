"""What the delivery log records: a delivery's state, its attempts and where a retry stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

from pydantic import AwareDatetime

from gateway_client.contract import (
    Frozen,
)


class DeliveryState(StrEnum):
    DELIVERED = "delivered"
    RETRYING = "retrying"
    DEAD = "dead"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body_excerpt: str
    elapsed_ms: int
    retry_after: str | None = None


# Why an attempt was not sent: parked until the endpoint is verified, resumed or enabled.
# unsigned: a v1sm2 subscription while the gateway holds no SM2 key (CG_SM2_SIGNING off);
# erased: its listing was purged after it was queued (never sent, nor resumed: its tombstone went)
NotSent = Literal["pending", "paused", "disabled", "unsigned", "erased", "superseded"]
NEVER_SENT: frozenset[NotSent] = frozenset({"erased", "superseded"})
"""Settled without a post, for good: its listing purged, or a restatement no longer true."""


class Attempt(Frozen):
    at: AwareDatetime
    status: int
    latency_ms: int
    response_excerpt: str
    not_sent: NotSent | None = None


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
    # counted among the feedback rate's deliveries (``recognition.asks_feedback``, decided as it
    # was recorded): a report answering it counts as answered; one about another, as a case only
    asks_feedback: bool = True


class Progress(NamedTuple):
    state: DeliveryState | None
    tries: int  # attempts recorded since it was queued (or re-driven)
    sending_since: datetime | None = None  # an attempt began then and was never recorded
    held: NotSent | None = None  # dead, and its last attempt was not sent for this
    held_at: datetime | None = None  # when that attempt was recorded
