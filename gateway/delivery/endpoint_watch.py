"""An endpoint's health as delivery attempts change it: failing since, warned, disabled,
recovered; and whether anything is sent to it at all.

Why a module of its own: these rules are about the endpoint, not the delivery; the delivery
service judges each attempt (``gateway.delivery.judging``) and leaves the subscription's
health to ``EndpointWatch``, which changes it only as stored now and only for the URL the
attempt was sent to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from gateway.delivery.health import HealthChange, disabled, failing
from gateway.delivery.ports import SubscriptionStore
from gateway.delivery.records import NotSent
from gateway.delivery.retry_policy import EndpointHealth
from gateway.delivery.subscription import Subscription, batch_clock
from gateway_client.contract import GatewaySigners

log = logging.getLogger("credit_gateway.delivery")


class EndpointWatch:
    def __init__(self, subscriptions: SubscriptionStore, health: EndpointHealth) -> None:
        self._subscriptions = subscriptions
        self._health = health

    def recovered(self, subscription: Subscription, *, batch: bool = False) -> None:
        """A success: the endpoint is failing no more (and, for a batch, nor are its batches)."""
        cleared = {"failing_since": None, "warned_at": None}
        if batch:
            cleared |= {"batches_failing_since": None, "batches_failed_at": None}
        self._on_endpoint(subscription, lambda current: current.model_copy(update=cleared))

    def note_failure(
        self, subscription: Subscription, failed_at: datetime, now: datetime, *, batch: bool = False
    ) -> HealthChange | None:
        """Record the failure (of a batch: on its own clock too); once it has lasted
        ``warn_after``, the one warning."""
        warn_after = self._health.warn_after

        def note(current: Subscription) -> Subscription | None:
            changes: dict[str, object] = {"failing_since": current.failing_since or failed_at}
            if batch:
                changes["batches_failing_since"] = batch_clock(current, failed_at) or failed_at
                changes["batches_failed_at"] = max(
                    failed_at, current.batches_failed_at or failed_at
                )
            if current.warned_at is None and now - _since(current, failed_at, batch) >= warn_after:
                changes["warned_at"] = now
            updated = current.model_copy(update=changes)
            return None if updated == current else updated

        updated = self._on_endpoint(subscription, note)
        if updated is None or updated.warned_at != now:
            return None
        since = _since(updated, failed_at, batch)
        log.warning(
            "subscription %s (%s) has failed since %s; it will be disabled after %s",
            updated.subscription_id,
            updated.region,
            since.isoformat(),
            self._health.disable_after,
        )
        return failing(updated, now, since + self._health.disable_after)

    def disable(
        self, subscription: Subscription, reason: str, now: datetime, *, gone: bool
    ) -> HealthChange | None:
        off = self._on_endpoint(
            subscription,
            lambda current: (
                current.model_copy(update={"enabled": False, "disabled_reason": reason})
                if current.enabled
                else None
            ),
        )
        if off is None:
            return None
        log.warning("subscription %s disabled: %s", subscription.subscription_id, reason)
        return disabled(off, now, gone=gone)

    def _on_endpoint(
        self, sent_to: Subscription, change: Callable[[Subscription], Subscription | None]
    ) -> Subscription | None:
        """Apply a health change to the subscription as stored now (``SubscriptionStore.update``),
        unless it was deleted or its URL changed since the attempt: the attempt's health was the
        old endpoint's. The subscription as changed; ``None`` when nothing was."""
        applied: list[Subscription] = []  # what the last round (the one stored) made

        def guarded(current: Subscription) -> Subscription | None:
            changed = change(current) if current.url == sent_to.url else None
            applied[:] = [] if changed is None else [changed]
            return changed

        stored = self._subscriptions.update(sent_to.subscription_id, guarded)
        return stored if applied and stored == applied[0] else None


def _since(current: Subscription, failed_at: datetime, batch: bool) -> datetime:
    """Since when the endpoint has been failing, as a batch's failure judges it or not."""
    since = current.failing_since or failed_at
    return min(since, batch_clock(current, failed_at) or since) if batch else since


def held_back(subscription: Subscription, signers: GatewaySigners) -> tuple[NotSent, str] | None:
    """Why nothing is sent to the endpoint now, and the note the attempt keeps."""
    held = _why_held(subscription, sm2_signing=signers.sm2 is not None)
    if held is not None and held[0] == "unsigned":
        log.error(
            "subscription %s is v1sm2 but the gateway holds no SM2 key (CG_SM2_SIGNING is off): "
            "its deliveries are parked",
            subscription.subscription_id,
        )
    return held


def sendable(subscription: Subscription, *, sm2_signing: bool) -> bool:
    """Whether what waits for the endpoint may go now: what re-drives parked deliveries asks,
    so that a call that cannot send them does not queue them only to park them again, an
    attempt more on each record (reviews 281, 283, 289)."""
    return _why_held(subscription, sm2_signing=sm2_signing) is None


def _why_held(subscription: Subscription, *, sm2_signing: bool) -> tuple[NotSent, str] | None:
    if subscription.signature_scheme == "v1sm2" and not sm2_signing:
        return "unsigned", "not sent: v1sm2, and the gateway holds no SM2 key (CG_SM2_SIGNING)"
    if subscription.pending:
        return "pending", f"not sent: endpoint not verified ({subscription.verification_failure})"
    if subscription.paused_at is not None:
        return "paused", f"not sent: paused by its owner at {subscription.paused_at.isoformat()}"
    if not subscription.enabled:
        return "disabled", f"not sent: subscription disabled ({subscription.disabled_reason})"
    return None
