"""Subscriptions, self-served: a region (signing with its platform key) or the operator creates,
lists, reads, changes, pauses, resumes, re-keys, tries and deletes them
(``gateway.delivery.SubscriptionDesk`` and ``SubscriptionAdmin``)."""

from __future__ import annotations

from datetime import timedelta

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag
from chalicelib.subscription_replies import (
    SecretRotated,
    SubscriptionChanged,
    SubscriptionCreated,
    SubscriptionDeleted,
    Subscriptions,
    SubscriptionView,
    TestSent,
)
from gateway.delivery import (
    DEFAULT_OVERLAP,
    Changed,
    Subscription,
    SubscriptionChanges,
    SubscriptionRequest,
)
from gateway.rate_limit import admit
from gateway.validation import parse_request
from gateway_client.contract import (
    errors,
)

_SUBSCRIPTION = "/v1/subscriptions/{subscription_id}"
_MAX_OVERLAP_SECONDS = 7 * 24 * 3600


def owned_subscription(request: Request, subscription_id: str) -> Subscription:
    """The subscription, for the operator or for a platform of the subscribed region."""
    by = caller.operator_or_region(request)
    return container().subscription_admin.owned(subscription_id, by)


def create_subscription(request: Request) -> Response:
    """Operators may subscribe any region; a platform, by signing, only its own
    (``gateway.delivery.SubscriptionDesk``). 201 with the new subscription, ``pending`` or
    ``verified`` as its endpoint answered the challenge; a retried request, 200 without the
    secret."""
    auth = None if caller.is_operator(request) else caller.authenticated(request, idempotent=True)
    wanted = parse_request(SubscriptionRequest, caller.body(request))
    created = container().subscription_desk.create(
        wanted, auth, lambda: _admit_creation(wanted.region)
    )
    if not created.new:
        return json_response(200, created.subscription.public_view())
    shown = created.subscription.public_view() | {"secret": created.subscription.secret}
    return json_response(201, shown)


def list_subscriptions(request: Request) -> Response:
    by = caller.operator_or_region(request)
    region = caller.region_param(request, "region")
    found = container().subscription_admin.of_region(by, region)
    return json_response(200, {"subscriptions": [s.public_view() for s in found]})


def get_subscription(request: Request, subscription_id: str) -> Response:
    return json_response(200, owned_subscription(request, subscription_id).public_view())


def update_subscription(request: Request, subscription_id: str) -> Response:
    """A change of terms counts against ``CG_TERMS_CHANGES_PER_MINUTE`` of the subscribing
    region (429 ``rate_limited``, nothing written; ``_admit_terms``)."""
    subscription = owned_subscription(request, subscription_id)
    changes = parse_request(SubscriptionChanges, caller.body(request))
    return _changed(
        container().subscription_admin.update(
            subscription, changes, lambda: _admit_terms(subscription.region)
        )
    )


def _admit_terms(region: str) -> None:
    """Count a change of a subscription's terms against the subscribing region's per-minute
    limit (429): each is a transaction with a check of the exchange log's head, which an
    append in flight then retries."""
    limit = container().settings.terms_changes_per_minute
    _admit(f"terms#{region}", limit, "changes of a subscription's filters or recognised_only")


def _admit_creation(region: str) -> None:
    """Count a creation against the subscribing region's own per-minute limit (429), apart
    from changes of terms: provisioning comes in bursts, yet a creation is such a transaction
    too, and a DELETE and POST would otherwise change terms uncounted."""
    limit = container().settings.subscription_creations_per_minute
    _admit(f"subscriptions#{region}", limit, "creations of subscriptions")


def _admit(key: str, limit: int, what: str) -> None:
    c = container()
    message = f"{what} are limited to {limit} a minute per subscribing region"
    admit(c.rates, key, c.clock.now(), limit, message)


def delete_subscription(request: Request, subscription_id: str) -> Response:
    subscription = owned_subscription(request, subscription_id)
    container().subscription_admin.delete(subscription)
    return json_response(200, {"deleted": subscription.subscription_id})


class _NoOptions(BaseModel):
    """The body of an action that takes none: absent, or ``{}``."""

    model_config = ConfigDict(extra="forbid")


def _without_options(request: Request, subscription_id: str) -> Subscription:
    subscription = owned_subscription(request, subscription_id)
    parse_request(_NoOptions, caller.body(request) or b"{}")
    return subscription


def pause(request: Request, subscription_id: str) -> Response:
    subscription = _without_options(request, subscription_id)
    paused = container().subscription_admin.pause(subscription)
    return json_response(200, {"subscription": paused.public_view(), "redriven": 0})


def resume(request: Request, subscription_id: str) -> Response:
    subscription = _without_options(request, subscription_id)
    return _changed(container().subscription_admin.resume(subscription))


def _changed(changed: Changed) -> Response:
    body = {"subscription": changed.subscription.public_view(), "redriven": changed.redriven}
    return json_response(200, body)


class _Rotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overlap_seconds: int = Field(
        default=int(DEFAULT_OVERLAP.total_seconds()), ge=0, le=_MAX_OVERLAP_SECONDS
    )


def rotate_secret(request: Request, subscription_id: str) -> Response:
    subscription = owned_subscription(request, subscription_id)
    wanted = parse_request(_Rotate, caller.body(request) or b"{}")
    overlap = timedelta(seconds=wanted.overlap_seconds)
    rotated = container().subscription_admin.rotate_secret(subscription, overlap)
    until = rotated.previous_secret_until
    body = {
        "subscription": rotated.public_view(),
        "secret": rotated.secret,
        "previous_secret_until": until.isoformat() if until else None,
    }
    return json_response(200, body)


def send_test(request: Request, subscription_id: str) -> Response:
    subscription = _without_options(request, subscription_id)
    tried = container().subscription_admin.send_test(subscription)
    status = tried.attempt.status
    body = {
        "notice": tried.notice.model_dump(mode="json"),
        "attempt": tried.attempt.model_dump(mode="json"),
        "delivered": 200 <= status < 300,
    }
    return json_response(200, body)


_OWNED = (errors.NotFound, errors.RegionMismatch)
# Settings that cannot work (``check_webhook_url``, ``check_settings``); unknown_region: the
# subscribed region or a filter's source region is not registered.
_SETTINGS = (
    errors.InvalidWebhookUrl,
    errors.InvalidRetrySchedule,
    errors.TooManySourceRegions,
    errors.DuplicateValue,
    errors.UnknownRegion,
)

ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/subscriptions",
        "create_subscription",
        Tag.SUBS,
        "Subscribe a region's webhook endpoint",
        Access.OPERATOR_OR_PLATFORM,
        {
            201: Reply(SubscriptionCreated, "Created; a v1 (HMAC) `secret` is shown this once."),
            200: Reply(
                SubscriptionView,
                "A signed retry with the same webhook-id: the same one, without its secret.",
            ),
        },
        (
            errors.RegionMismatch,
            *_SETTINGS,
            errors.Sm2NotOffered,
            errors.Conflict,
            errors.SubscriptionLimitReached,
            errors.RateLimited,
            errors.Busy,
        ),
        body=SubscriptionRequest,
        description="A platform may subscribe only its own region; its webhook-id makes a retried "
        "creation idempotent. A region holds at most `CG_SUBSCRIPTIONS_PER_REGION` (50) "
        "subscriptions (409 `subscription_limit_reached`) and creates at most "
        "`CG_SUBSCRIPTION_CREATIONS_PER_MINUTE` (20) a minute (429). The gateway posts a "
        "signed `subscription.verification` event "
        "(`subscription_id`, `subscriber_region`, `challenge`) to the URL at once (5 s): `state` "
        'is `verified` if the endpoint answered 2xx `{"challenge": …}`, else `pending` with '
        "`verification_failure`; nothing else is sent to a pending endpoint.",
        handler=create_subscription,
    ),
    Operation(
        "GET",
        "/v1/subscriptions",
        "list_subscriptions",
        Tag.SUBS,
        "The subscriptions of the signing platform's region (the operator: all, or a region's)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Subscriptions, "Oldest first, without their secrets.")},
        (errors.RegionMismatch, errors.SchemaError),
        query=(Param("region", REGION_CODE, "Only this region's (a platform: its own)."),),
        handler=list_subscriptions,
    ),
    Operation(
        "GET",
        _SUBSCRIPTION,
        "get_subscription",
        Tag.SUBS,
        "A subscription (without its secret)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionView, "The subscription and its endpoint health.")},
        _OWNED,
        handler=get_subscription,
    ),
    Operation(
        "PATCH",
        _SUBSCRIPTION,
        "update_subscription",
        Tag.SUBS,
        "Change a subscription's URL, filters, recognised_only, retry schedule, description or "
        "signature scheme (v1a / v1sm2)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionChanged, "The subscription as changed.")},
        (
            *_OWNED,
            *_SETTINGS,
            errors.Sm2NotOffered,
            errors.BadRequest,
            errors.RateLimited,
            errors.Busy,
        ),
        body=SubscriptionChanges,
        description="Only the fields sent change. A change of `filters` or `recognised_only` "
        "is recorded with the log's head then (`terms_since`), the terms before kept in "
        "`terms_history` (the last 16, newest first): each change is planned, and judged by "
        "`gateway verify-log`, by the terms in force when it was logged. Such changes are "
        "limited per subscribing region (`CG_TERMS_CHANGES_PER_MINUTE`, 429). "
        "A new `url` is challenged at once, as at "
        "creation: until it answers, the subscription is `pending` and its deliveries are parked; "
        "a success delivers them (`redriven`). `signature_scheme` moves between `v1a` and "
        "`v1sm2` (not for a `v1` subscription: 400); deliveries parked because the gateway held "
        "no SM2 key are sent under the new scheme. `delivery_mode` `batched` has a stream batch's "
        "`listing.changed` deliveries come as one signed NDJSON file announced by one "
        "`deliveries.batch` webhook (see the webhooks); `single` (the default) sends each. "
        "What was queued in the old mode is sent in it: switching while deliveries are retried "
        "can bring a listing's newer version before an older one (apply changes by `version`; "
        "`gateway verify-log` lists such late arrivals).",
        handler=update_subscription,
    ),
    Operation(
        "DELETE",
        _SUBSCRIPTION,
        "delete_subscription",
        Tag.SUBS,
        "Delete a subscription: nothing more is planned or sent for it",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionDeleted, "Deleted.")},
        _OWNED,
        handler=delete_subscription,
    ),
    Operation(
        "POST",
        f"{_SUBSCRIPTION}/pause",
        "pause_subscription",
        Tag.SUBS,
        "Pause deliveries: they are kept (parked), not sent, until resumed",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionChanged, "Paused (`paused_at`).")},
        _OWNED,
        body=_NoOptions,
        body_required=False,
        handler=pause,
    ),
    Operation(
        "POST",
        f"{_SUBSCRIPTION}/resume",
        "resume_subscription",
        Tag.SUBS,
        "Resume deliveries; what was parked is sent, oldest first",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionChanged, "Resumed.")},
        _OWNED,
        body=_NoOptions,
        body_required=False,
        description="Only what was parked (while paused or before verification) is sent, "
        "never dead letters of failed attempts (the operator's `redrive`). At most 10,000 a "
        "call: call it again, paused or not, while `redriven` is not 0.",
        handler=resume,
    ),
    Operation(
        "POST",
        f"{_SUBSCRIPTION}/rotate-secret",
        "rotate_subscription_secret",
        Tag.SUBS,
        "A new whsec_ secret for a v1 subscription; the old one signs too for an overlap",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SecretRotated, "The new secret, shown this once.")},
        (*_OWNED, errors.NoSecretToRotate),
        body=_Rotate,
        body_required=False,
        description="During the overlap (`overlap_seconds`, default 86400, at most 7 days) "
        "every webhook carries two `v1,` signatures, the new secret's and the old one's: a "
        "receiver with either verifies. A v1a subscription has no secret (409).",
        handler=rotate_secret,
    ),
    Operation(
        "POST",
        f"{_SUBSCRIPTION}/test",
        "test_subscription",
        Tag.SUBS,
        "Send a signed subscription.test event to the endpoint now and show its answer",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(TestSent, "The event sent and the endpoint's answer (5 s at most).")},
        (*_OWNED, errors.SubscriptionPending, errors.Sm2NotOffered),
        body=_NoOptions,
        body_required=False,
        description="Sent once, never retried or recorded as a delivery; a paused or disabled "
        "endpoint may be tried, an unverified one may not.",
        handler=send_test,
    ),
)
