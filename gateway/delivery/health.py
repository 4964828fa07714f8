"""Notices of an endpoint's health: it has been failing long enough to warn, or it is disabled.

Why: a subscription that stops receiving is a province missing changes; its operator and the
gateway's operator should hear of it when it happens, not when someone reads a log. The domain
decides the transition (``DeliveryService``: ``warned_at`` set, ``enabled`` cleared); the
adapter publishes the notice to the operations topic and sends it, signed like the
subscription's deliveries, to the endpoint itself, once and without retrying. An endpoint
that answered 410 Gone asked for nothing more and is not sent one.

The ``notice_id`` (also the ``webhook-id``) follows from the subscription, the type and the
moment it started failing, so a retried delivery message yields the same notice and a
receiver's webhook-id deduplication absorbs the copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from gateway.delivery.subscription import Subscription
from gateway_client.contract import DISABLED, FAILING, EndpointNotice, NoticeType


@dataclass(frozen=True)
class HealthChange:
    """What a delivery attempt changed about its endpoint, for the adapter to announce."""

    notice: EndpointNotice
    tell_endpoint: bool  # False after a 410 Gone
    url: str  # the endpoint it is about: told only while the subscription still points there

    def tells(self, subscription: Subscription | None) -> bool:
        """Whether to post the notice to ``subscription`` (as stored now): not after a 410, not
        to a URL changed since (a pending one has not even proved it wants posts)."""
        return (
            self.tell_endpoint
            and subscription is not None
            and subscription.url == self.url
            and not subscription.pending
        )


def failing(subscription: Subscription, now: datetime, disables_at: datetime) -> HealthChange:
    notice = _notice(FAILING, subscription, now, disables_at=disables_at)
    return HealthChange(notice, tell_endpoint=True, url=subscription.url)


def disabled(subscription: Subscription, now: datetime, *, gone: bool) -> HealthChange:
    """``subscription`` as disabled (its ``disabled_reason`` set)."""
    notice = _notice(DISABLED, subscription, now, disabled_reason=subscription.disabled_reason)
    return HealthChange(notice, tell_endpoint=not gone, url=subscription.url)


def _notice(
    kind: NoticeType, subscription: Subscription, now: datetime, **fields: object
) -> EndpointNotice:
    since = subscription.failing_since
    seed = f"{subscription.subscription_id}|{kind}|{since.isoformat() if since else now}"
    return EndpointNotice.model_validate(
        {
            "type": kind,
            "notice_id": "ntc_" + hashlib.sha256(seed.encode()).hexdigest()[:32],
            "timestamp": now,
            "subscription_id": subscription.subscription_id,
            "subscriber_region": subscription.region,
            "failing_since": since,
            **fields,
        }
    )
