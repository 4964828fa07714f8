"""A subscription's actions, self-served like the subscription itself: pause, resume, re-key
(rotate its secret) and try (a signed test notice), each by the operator or a platform of the
subscribed region (``gateway.delivery.SubscriptionAdmin``)."""

from __future__ import annotations

from datetime import timedelta

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag
from chalicelib.subscription_replies import SecretRotated, SubscriptionChanged, TestSent
from chalicelib.subscriptions_api import (
    OWNED,
    SUBSCRIPTION,
    admit_test,
    changed_reply,
    owned_subscription,
    platform_key,
)
from gateway.delivery import DEFAULT_OVERLAP, Subscription
from gateway.validation import parse_request
from gateway_client.contract import errors

_MAX_OVERLAP_SECONDS = 7 * 24 * 3600


class _NoOptions(BaseModel):
    """The body of an action that takes none: absent, or ``{}``."""

    model_config = ConfigDict(extra="forbid")


def _without_options(request: Request, subscription_id: str) -> Subscription:
    subscription = owned_subscription(request, subscription_id)
    parse_request(_NoOptions, caller.body(request) or b"{}")
    return subscription


def pause(request: Request, subscription_id: str) -> Response:
    subscription = _without_options(request, subscription_id)
    paused = container().subscription_admin.pause(subscription, platform_key(request))
    return json_response(200, {"subscription": paused.public_view(), "redriven": 0})


def resume(request: Request, subscription_id: str) -> Response:
    subscription = _without_options(request, subscription_id)
    return changed_reply(container().subscription_admin.resume(subscription, platform_key(request)))


class _Rotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overlap_seconds: int = Field(
        default=int(DEFAULT_OVERLAP.total_seconds()), ge=0, le=_MAX_OVERLAP_SECONDS
    )


def rotate_secret(request: Request, subscription_id: str) -> Response:
    subscription = owned_subscription(request, subscription_id)
    wanted = parse_request(_Rotate, caller.body(request) or b"{}")
    overlap = timedelta(seconds=wanted.overlap_seconds)
    rotated = container().subscription_admin.rotate_secret(
        subscription, overlap, platform_key(request)
    )
    until = rotated.previous_secret_until
    body = {
        "subscription": rotated.public_view(),
        "secret": rotated.secret,
        "previous_secret_until": until.isoformat() if until else None,
    }
    return json_response(200, body)


def send_test(request: Request, subscription_id: str) -> Response:
    """Counted against ``CG_URL_CHALLENGES_PER_MINUTE`` apart from challenges (429, nothing
    sent): each holds the API function for up to 5 s."""
    subscription = _without_options(request, subscription_id)
    tried = container().subscription_admin.send_test(
        subscription, lambda: admit_test(subscription.region)
    )
    status = tried.attempt.status
    body = {
        "notice": tried.notice.model_dump(mode="json"),
        "attempt": tried.attempt.model_dump(mode="json"),
        "delivered": 200 <= status < 300,
    }
    return json_response(200, body)


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        f"{SUBSCRIPTION}/pause",
        "pause_subscription",
        Tag.SUBS,
        "Pause deliveries: they are kept (parked), not sent, until resumed",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionChanged, "Paused (`paused_at`).")},
        OWNED,
        body=_NoOptions,
        body_required=False,
        handler=pause,
    ),
    Operation(
        "POST",
        f"{SUBSCRIPTION}/resume",
        "resume_subscription",
        Tag.SUBS,
        "Resume deliveries; what was parked is sent, oldest first",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionChanged, "Resumed.")},
        OWNED,
        body=_NoOptions,
        body_required=False,
        description="Only what was parked (while paused or before verification) is sent, "
        "never dead letters of failed attempts (the operator's `redrive`). At most 10,000 a "
        "call: call it again, paused or not, while `redriven` is not 0.",
        handler=resume,
    ),
    Operation(
        "POST",
        f"{SUBSCRIPTION}/rotate-secret",
        "rotate_subscription_secret",
        Tag.SUBS,
        "A new whsec_ secret for a v1 subscription; the old one signs too for an overlap",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SecretRotated, "The new secret, shown this once.")},
        (*OWNED, errors.NoSecretToRotate),
        body=_Rotate,
        body_required=False,
        description="During the overlap (`overlap_seconds`, default 86400, at most 7 days) "
        "every webhook carries two `v1,` signatures, the new secret's and the old one's: a "
        "receiver with either verifies. A v1a subscription has no secret (409).",
        handler=rotate_secret,
    ),
    Operation(
        "POST",
        f"{SUBSCRIPTION}/test",
        "test_subscription",
        Tag.SUBS,
        "Send a signed subscription.test event to the endpoint now and show its answer",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(TestSent, "The event sent and the endpoint's answer (5 s at most).")},
        (*OWNED, errors.SubscriptionPending, errors.Sm2NotOffered, errors.RateLimited),
        body=_NoOptions,
        body_required=False,
        description="Sent once, never retried or recorded as a delivery; a paused or disabled "
        "endpoint may be tried, an unverified one may not. Limited per subscribing region to "
        "`CG_URL_CHALLENGES_PER_MINUTE` (30) a minute, counted apart from challenges (429, "
        "nothing sent).",
        handler=send_test,
    ),
)
