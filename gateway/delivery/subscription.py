"""Subscriptions: a region's webhook endpoint and the filters that choose its changes."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator
from pydantic_core import PydanticCustomError

from gateway.delivery.terms import PastTerms
from gateway.ports import Registry
from gateway_client.contract import (
    ONE_LINE,
    DuplicateValue,
    Frozen,
    InvalidRetrySchedule,
    RegionCode,
    Sm2NotOffered,
    SubscriptionFilters,
    TooManySourceRegions,
    UnknownRegion,
)

SignatureScheme = Literal["v1a", "v1", "v1sm2"]
# Seconds to wait before attempts 2, 3, …; default: the Standard Webhooks schedule.
RetrySchedule = tuple[Annotated[int, Field(ge=0, le=11 * 3600)], ...]
# ``pending`` until the endpoint answered the URL-verification challenge (``url_verification``).
SubscriptionState = Literal["pending", "verified"]
# ``batched``: a stream batch's ``listing.changed`` deliveries come as one signed NDJSON file,
# announced by one ``deliveries.batch`` webhook (``gateway.delivery.batching``).
DeliveryMode = Literal["single", "batched"]


class SubscriptionRequest(Frozen):
    region: RegionCode
    url: Annotated[str, Field(min_length=8, max_length=2048)]
    filters: SubscriptionFilters = SubscriptionFilters()
    signature_scheme: SignatureScheme = "v1a"
    recognised_only: bool = False
    retry_schedule_seconds: RetrySchedule | None = Field(default=None, min_length=1, max_length=20)
    description: Annotated[str, Field(max_length=200), ONE_LINE] = ""
    delivery_mode: DeliveryMode = "single"


UNSHOWN = (
    "secret",
    "previous_secret",
    "created_as",
    "set_by_key",
    "changed_by_keys",
    "batched_from",
)
"""What a subscription's views leave out: the HMAC secrets, and its bookkeeping."""


def request_digest(request: SubscriptionRequest) -> str:
    """What a creation asked for, as one value to compare a retry with."""
    canonical = request.model_dump_json(include=set(SubscriptionRequest.model_fields))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Subscription(SubscriptionRequest):
    subscription_id: str
    secret: str | None = None
    enabled: bool = True
    created_at: AwareDatetime
    log_start: int = 0  # the exchange log's head when it subscribed: it is owed what follows
    # The head when its filters or ``recognised_only`` last changed: what was logged up to it
    # was planned under the terms before (``terms_history``), and is judged by them.
    terms_since: int = 0
    # The terms before, newest first (``terms``). Stored only once there are some: the release
    # before reads a subscription whose terms never changed (one that did, it refuses).
    terms_history: tuple[PastTerms, ...] = Field(default=(), exclude_if=lambda held: not held)
    failing_since: AwareDatetime | None = None  # first failure since the last success
    # First failed batch since a batch last succeeded: single deliveries that get through do
    # not reset it, so an endpoint taking them but failing every file is still disabled in
    # time, its batches parked while their files last (``batching.FILE_DAYS``; review 41).
    # It runs only while batches keep failing: ``batches_failed_at`` is the latest failure,
    # and one more than ``BATCH_GAP`` after it starts the clock again (``batch_clock``).
    batches_failing_since: AwareDatetime | None = None
    batches_failed_at: AwareDatetime | None = None
    warned_at: AwareDatetime | None = None
    disabled_reason: str | None = None
    # A subscription stored before URL verification existed has no state: it reads as verified.
    state: SubscriptionState = "verified"
    verified_at: AwareDatetime | None = None
    verification_failure: str | None = None  # why the last attempt left it pending
    paused_at: AwareDatetime | None = None  # by its owner: deliveries are parked until resumed
    # Enabled again, what it missed while off still to be sent: it could not send then (paused,
    # pending or unsigned), or one call re-drove only part. Resume and verify send it too, and
    # ``enable`` goes on with it, until one call has sent it all (or ``enable`` says not to).
    missed_owed: bool = False
    # ``enable`` told not to deliver what it missed (``redeliver_missed`` false): what was held
    # back while it was off, and the 410 that turned it off, up to then stay dead for good — no
    # later sweep (a held-back delivery's own, another enable's) sends them (review 299).
    missed_declined_at: AwareDatetime | None = Field(
        default=None, exclude_if=lambda held: held is None
    )
    # After a rotation the old ``whsec_`` secret signs too, until then (receivers switch over).
    previous_secret: str | None = None
    previous_secret_until: AwareDatetime | None = None
    # Batched at some time, so delivered batches may hold its receipts (kept once it switches
    # back: ``chalicelib.dynamodb.delivery_receipts`` looks only where there can be batches).
    ever_batched: bool = False
    # The log size when it last turned from single to batched delivery: a line logged up to it
    # may have gone singly already, should the stream hand its fan-out again (review 259).
    batched_from: int | None = Field(default=None, exclude_if=lambda held: held is None)
    # The creating request's digest (``request_digest``): its retry is answered with this
    # subscription even after a change since (unset: stored before; compared field by field).
    created_as: str | None = Field(default=None, exclude_if=lambda held: held is None)
    # The platform key that created it or last gave it its URL (None: the operator): what a
    # revocation of that key names for review, as a leaked key's holder may have pointed it at
    # itself (review 91 F2).
    set_by_key: str | None = Field(default=None, exclude_if=lambda held: held is None)
    # Every platform key that rotated its secret, changed its terms or paused or resumed it:
    # what a revocation names for review beside ``set_by_key``, as a leaked key's holder knows
    # the secret it rotated (and may keep the old one signing for a week) or may have quietly
    # narrowed or paused what the region receives (review 156).
    changed_by_keys: tuple[str, ...] = Field(default=(), exclude_if=lambda held: not held)

    def changed_by(self, key_id: str | None) -> dict[str, object]:
        """The update noting ``key_id`` (None: the operator) among the keys that changed it."""
        if key_id is None or key_id in self.changed_by_keys:
            return {}
        return {"changed_by_keys": (*self.changed_by_keys, key_id)}

    def touched_by(self, key_id: str) -> bool:
        """Whether the platform key ``key_id`` created it, pointed it somewhere or changed it."""
        return self.set_by_key == key_id or key_id in self.changed_by_keys

    def had_batches(self) -> bool:
        return self.ever_batched or self.delivery_mode == "batched"

    @property
    def pending(self) -> bool:
        """Nothing is sent to a pending endpoint but its verification challenge."""
        return self.state == "pending"

    @model_validator(mode="after")
    def _v1_has_secret(self) -> Subscription:
        if self.signature_scheme == "v1" and not self.secret:
            raise ValueError("a v1 (HMAC) subscription needs its whsec_ secret")
        return self

    def public_view(self) -> dict[str, object]:
        """What may be shown after creation: the HMAC secret is shown once, at creation only."""
        return self.model_dump(mode="json", exclude=set(UNSHOWN))

    def secrets_at(self, moment: datetime) -> tuple[str, ...]:
        """The ``whsec_`` secrets that sign what is sent at ``moment``: the current one, and the
        previous one during a rotation's overlap (a ``v1a`` subscription has none)."""
        if self.secret is None:
            return ()
        old, until = self.previous_secret, self.previous_secret_until
        if old is not None and until is not None and moment < until:
            return (self.secret, old)
        return (self.secret,)


class SubscriptionChanges(Frozen):
    """What its owner may change (``PATCH``): only the fields sent change. A new ``url`` is
    verified again before it receives deliveries; ``retry_schedule_seconds: null`` goes back to
    the default schedule. ``signature_scheme`` moves between the gateway's two keys (``v1a``,
    ``v1sm2``); a ``v1`` subscription (its own secret) and the region are fixed at creation."""

    url: Annotated[str, Field(min_length=8, max_length=2048)] | None = None
    filters: SubscriptionFilters | None = None
    recognised_only: bool | None = None
    retry_schedule_seconds: RetrySchedule | None = Field(default=None, min_length=1, max_length=20)
    description: Annotated[str, Field(max_length=200), ONE_LINE] | None = None
    signature_scheme: Literal["v1a", "v1sm2"] | None = None
    delivery_mode: DeliveryMode | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> SubscriptionChanges:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for name in (
            "url",
            "filters",
            "recognised_only",
            "description",
            "signature_scheme",
            "delivery_mode",
        ):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise PydanticCustomError("value_error", "{field} cannot be null", {"field": name})
        return self


def check_signable(scheme: str, *, sm2_signing: bool) -> None:
    """Refuse a scheme the gateway holds no key for, before anything is written or sent."""
    if scheme == "v1sm2" and not sm2_signing:
        raise Sm2NotOffered(
            "this gateway does not sign with SM2 (its operator sets CG_SM2_SIGNING): "
            "choose v1a or v1",
            path="signature_scheme",
        )


MAX_SOURCE_REGIONS = 100
"""A subtree stands for its regions (a province for its cities and counties): a hundred roots
is more than a subscription needs. Judged on what is asked (``check_settings``), not on what is
stored: a subscription saved before the limit stays readable."""


def check_settings(
    filters: SubscriptionFilters | None,
    retry_schedule_seconds: RetrySchedule | None,
    registry: Registry,
    *,
    local: bool,
) -> None:
    """Refuse settings that cannot work as written, at creation and on a change: a filter that
    names a value twice or a source region with no registered platform in its subtree (it
    would never match), and a retry schedule that does not back off (a delay under a second,
    or shorter than the one before, hammers a failing endpoint). The local stage (tests, the
    demo) may retry at once (delays of 0 s), as it may call loopback over http.

    Raises
    ------
    DuplicateValue, UnknownRegion, InvalidRetrySchedule, TooManySourceRegions
    """
    if filters is not None:
        if len(filters.source_regions) > MAX_SOURCE_REGIONS:
            raise TooManySourceRegions(
                f"{len(filters.source_regions)} source regions: at most {MAX_SOURCE_REGIONS} "
                "(a province stands for its cities and counties)"
            )
        for name in ("kinds", "domains", "source_regions"):
            DuplicateValue.check(getattr(filters, name), f"filters.{name}")
        if missing := registry.roots_without_regions(filters.source_regions):
            index = filters.source_regions.index(missing[0])
            raise UnknownRegion(
                f"no region in {missing[0]}'s subtree is registered",
                path=f"filters.source_regions.{index}",
            )
    least = previous = 0 if local else 1
    for index, delay in enumerate(retry_schedule_seconds or ()):
        if delay < previous:
            raise InvalidRetrySchedule(
                f"a retry delay of {delay} s: each is {least} s or more, never less than the one "
                "before",
                path=f"retry_schedule_seconds.{index}",
            )
        previous = delay


BATCH_GAP = timedelta(days=1)
"""Batch failures further apart than this are not one failing spell: a batch is retried at
most ten hours apart (``judging.DEFAULT_RETRY_SCHEDULE``), and the next one waiting in the
subscription's group is tried as soon as it settles."""


def batch_clock(subscription: Subscription, at: datetime) -> datetime | None:
    """When the batches' failing spell that a batch failure at ``at`` continues began; ``None``
    when it starts one (none running, or the last failure more than ``BATCH_GAP`` before)."""
    last = subscription.batches_failed_at
    if subscription.batches_failing_since is None or last is None or at - last > BATCH_GAP:
        return None
    return subscription.batches_failing_since


Kind = tuple[str | None, str | None]
"""A delivery's event type and the type of the change it carries (None: not known)."""


def never_declined(kind: Kind) -> bool:
    """What ``enable {"redeliver_missed": false}`` does not decline: an objection's notice,
    which its objection awaits (the owner's deadline runs from its acknowledgement) and nothing
    plans again (review 303); a purge's tombstone, the subscriber's only word to erase the
    person; a restatement — a withdrawal of recognition among them, the word to mask a number
    and stop measures — which no log entry keeps for a replay (review 314)."""
    event, change = kind
    return event in ("objection.filed", "recognition.changed") or change == "purged"


GONE = 410  # the endpoint's answer that turns it off


def declinable(not_sent: str | None, status: int | None, kind: Kind) -> bool:
    """Whether a dead delivery whose last attempt was ``not_sent`` (or answered ``status``)
    is what an ``enable`` may decline: held back while its endpoint was off, or the 410 that
    turned it off, of a kind not ``never_declined``. The store keeps these apart
    (``DeliveryRecords.dead``'s ``declinable_after``), so that a read after a decline starts
    past what it declined instead of reading through it (review 309: behind a long outage's
    declined backlog, a later parked delivery or an objection's notice was never reached)."""
    return (not_sent == "disabled" or status == GONE) and not never_declined(kind)


def declined(subscription: Subscription, held_at: datetime, kind: Kind) -> bool:
    """Whether what was held back (or turned it off) at ``held_at``, a delivery of ``kind``,
    is what its owner declined (``missed_declined_at``)."""
    at = subscription.missed_declined_at
    return at is not None and held_at <= at and not never_declined(kind)
