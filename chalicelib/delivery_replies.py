"""What the delivery routes answer, as models for the OpenAPI document: a delivery with its
attempts (a batch with its lines), a signed body, the counts a re-drive and an enable report."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from gateway.delivery import Attempt, DeliveryState
from gateway_client.contract import Frozen


def _absent(value: object) -> bool:
    """Left out of the reply when not set (the routes answer the stored view as it is)."""
    return value is None


class BatchLine(Frozen):
    delivery_id: str
    listing_id: str
    change_id: str
    credit_code: str = Field(description="as the masked view shows it: an ID number masked")
    origin_region: str
    sequence: int
    log_sequence: int


class BatchDetail(Frozen):
    count: int
    first_sequence: int
    last_sequence: int
    first_log_sequence: int
    last_log_sequence: int
    lines: tuple[BatchLine, ...] = Field(
        description="Once delivered, each line the file held, in file order; empty until then "
        "(a dead batch's lines are deliveries of their own, re-driven one by one)."
    )


class DeliveryView(Frozen):
    delivery_id: str
    subscription_id: str
    state: DeliveryState
    listing_id: str | None = Field(description="null for a batch (it spans listings)")
    updated_at: AwareDatetime
    listed_at: AwareDatetime | None = Field(
        default=None,
        exclude_if=_absent,
        description="In a subscription's list: its place, which the order, `since` and "
        "`until` use — when it was (last) queued for a delivery accepted at its first attempt, "
        "else its last update (a batch's line: the batch's). Many share one: page with `next`.",
    )
    attempts: tuple[Attempt, ...]
    batch_id: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="Set when the change was delivered as a line of this batch (batched "
        "delivery): `attempts` is the batch's attempt that delivered it, and the line has no "
        "record of its own (GET /v1/deliveries/{batch_id} shows it). A batch being retried (or "
        "dead with no line recorded: its file gone) is listed as one entry, `delivery_id` and "
        "`batch_id` its webhook id, `listing_id` null, with every attempt so far.",
    )
    batch: BatchDetail | None = Field(
        default=None,
        exclude_if=_absent,
        description="Set when `delivery_id` is a batch's (`bat_…`, its webhook-id): the file "
        "it announced and, once delivered, its lines.",
    )
    replay_of: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="Set on a replay's record (POST …/replay): the delivery it sent again, "
        "whose webhook-id it kept. A replay is held back, retried, listed dead and re-driven "
        "under its own `delivery_id`; feedback names the delivery, not its replay.",
    )


class Deliveries(Frozen):
    deliveries: tuple[DeliveryView, ...]
    next: str | None = Field(
        default=None,
        description="Set when the list stopped before its end (`limit` reached, or as much "
        "read as one call may): pass it as `after` to go on. Many deliveries share one "
        "`listed_at`, so page with `next`, not with `until`.",
    )


class SignedBody(Frozen):
    delivery_id: str
    headers: dict[str, str] = Field(
        description="webhook-id, content-type; after an attempt, also webhook-timestamp "
        "(and webhook-key-id for the gateway's keys) as it was posted, and webhook-signature "
        "unless `body` had a resident ID number masked: the signature covers the unmasked body, "
        "and checked against candidates it would give back the masked digits"
    )
    body: dict[str, Any] = Field(
        description="the JSON body as posted, resident ID numbers masked (then without its "
        "signature)"
    )
    signed_at: AwareDatetime | None = Field(
        description="the latest attempt's time, which the signature carries; null: none yet"
    )


class Redriven(Frozen):
    redriven: int


class Enabled(Frozen):
    enabled: Literal[True]
    redriven: int
