"""Subscriptions, self-served: a region (signing with its platform key) or the operator creates,
lists, reads, changes and deletes them (``gateway.delivery.SubscriptionDesk`` and
``SubscriptionAdmin``); their actions are ``subscription_actions_api``'s."""

from __future__ import annotations

import re

from chalice.app import Request, Response

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.console_masking import SUBSCRIPTION_TEXT, for_console
from chalicelib.http_errors import json_response
from chalicelib.reply_pages import page_of
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag, count_param
from chalicelib.subscription_replies import (
    SubscriptionChanged,
    SubscriptionCreated,
    SubscriptionDeleted,
    Subscriptions,
    SubscriptionView,
)
from gateway.delivery import (
    Changed,
    Subscription,
    SubscriptionChanges,
    SubscriptionRequest,
)
from gateway.rate_limit import admit_all
from gateway.validation import parse_request
from gateway_client.contract import (
    errors,
)

SUBSCRIPTION = "/v1/subscriptions/{subscription_id}"


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
    key = caller.idempotency_key(request) if auth is None else None
    wanted = parse_request(SubscriptionRequest, caller.body(request))
    created = container().subscription_desk.create(
        wanted, auth, lambda: _admit(wanted.region, creation=True, challenge=True), key
    )
    if not created.new:
        return json_response(200, created.subscription.public_view())
    shown = created.subscription.public_view() | {"secret": created.subscription.secret}
    return json_response(201, shown)


def list_subscriptions(request: Request) -> Response:
    by = caller.operator_or_region(request)
    region = caller.region_param(request, "region")
    if by is None and region is not None and container().registry.get_region(region) is None:
        # an empty list would read as "it subscribes to nothing" (review 188, as for uploads)
        raise errors.NotFound(f"region {region} is not registered", path="region")
    limit = int_param(request, "limit", _PAGE, 1, _MAX_PAGE)
    after = caller.query(request, "after")
    if after is not None and not _CURSOR.fullmatch(after):
        raise errors.SchemaError("after is the next of a previous page", path="after")
    found = container().subscription_admin.of_region(by, region)
    # a page a Lambda can return: every region's, whole, passed its 6 MB (review 386)
    page, following = page_of(found, _position, lambda s: s.public_view(), limit, after)
    body = {"subscriptions": page, "next": following}
    return json_response(200, for_console(request, body, SUBSCRIPTION_TEXT))


_PAGE, _MAX_PAGE = 200, 1000
_CURSOR = re.compile(r"[0-9]{16}/[A-Za-z0-9_-]{1,64}")


def _position(subscription: Subscription) -> str:
    """Oldest first: microseconds since the epoch it was made at, then its id."""
    made = subscription.created_at
    micros = int(made.timestamp()) * 1_000_000 + made.microsecond
    return f"{micros:016d}/{subscription.subscription_id}"


def get_subscription(request: Request, subscription_id: str) -> Response:
    view = owned_subscription(request, subscription_id).public_view()
    return json_response(200, for_console(request, view, SUBSCRIPTION_TEXT))


def update_subscription(request: Request, subscription_id: str) -> Response:
    """A change of terms, or a turn to batched delivery, counts against
    ``CG_TERMS_CHANGES_PER_MINUTE`` of the subscribing region, a new URL (challenged at once)
    against ``CG_URL_CHALLENGES_PER_MINUTE`` (429 ``rate_limited``, nothing written)."""
    subscription = owned_subscription(request, subscription_id)
    changes = parse_request(SubscriptionChanges, caller.body(request))
    return changed_reply(
        container().subscription_admin.update(
            subscription,
            changes,
            lambda terms, challenge: _admit(subscription.region, terms=terms, challenge=challenge),
            platform_key(request),
        )
    )


def platform_key(request: Request) -> str | None:
    """The platform key that signed the request (None: the operator's)."""
    viewer = caller.viewer(request)
    return None if viewer.operator else viewer.key_id


def _admit(
    region: str,
    *,
    terms: bool = False,
    creation: bool = False,
    challenge: bool = False,
    test: bool = False,
) -> None:
    """Count the request against the subscribing region's per-minute limits it falls under,
    all or none (429 ``rate_limited``, nothing counted): a change of terms and a creation are
    each a transaction with a check of the exchange log's head, which an append in flight
    then retries; creations come in bursts, so they are limited apart from changes of terms
    (and a DELETE and POST would otherwise change terms uncounted); a challenge of an
    endpoint not verified yet is a signed POST, up to 5 s of the API function, to a URL that
    never asked for it (a creation's too); a test notice is a POST of up to 5 s as well, to
    a verified endpoint, and counts apart, under the same number (review 156)."""
    settings = container().settings
    wanted = (
        (
            terms,
            "terms",
            settings.terms_changes_per_minute,
            "changes of a subscription's filters or recognised_only, and turns to batched "
            "delivery,",
        ),
        (
            creation,
            "subscriptions",
            settings.subscription_creations_per_minute,
            "creations of subscriptions",
        ),
        (
            challenge,
            "challenges",
            settings.url_challenges_per_minute,
            "challenges of endpoints not verified yet",
        ),
        (test, "tests", settings.url_challenges_per_minute, "test notices"),
    )
    limits = [
        (f"{key}#{region}", limit, f"{what} are limited to {limit} a minute per subscribing region")
        for counted, key, limit, what in wanted
        if counted
    ]
    c = container()
    admit_all(c.rates, limits, c.clock.now())


def admit_challenge(region: str) -> None:
    """Count a challenge of an endpoint not verified yet (``_admit``)."""
    _admit(region, challenge=True)


def admit_test(region: str) -> None:
    """Count a test notice (``_admit``)."""
    _admit(region, test=True)


def changed_reply(changed: Changed) -> Response:
    body = {"subscription": changed.subscription.public_view(), "redriven": changed.redriven}
    return json_response(200, body)


def delete_subscription(request: Request, subscription_id: str) -> Response:
    subscription = owned_subscription(request, subscription_id)
    container().subscription_admin.delete(subscription, platform_key(request))
    return json_response(200, {"deleted": subscription.subscription_id})


OWNED = (errors.NotFound, errors.RegionMismatch)
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
                "A signed retry with the same webhook-id (the operator's: the same "
                "`Idempotency-Key`): the same one, without its secret.",
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
        "creation idempotent, as the operator's `Idempotency-Key` header does (8–128 letters, "
        "digits, `_.:-`; without one, each request subscribes again). A region holds at most "
        "`CG_SUBSCRIPTIONS_PER_REGION` (50) subscriptions (409 `subscription_limit_reached`) "
        "and creates at most `CG_SUBSCRIPTION_CREATIONS_PER_MINUTE` (20) a minute (429). The "
        "gateway posts a "
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
        {200: Reply(Subscriptions, "Oldest first, without their secrets, a page at a time.")},
        (errors.RegionMismatch, errors.SchemaError, errors.NotFound),
        query=(
            Param(
                "region",
                REGION_CODE,
                "Only this region's (a platform: its own; the operator: 404 if not registered).",
            ),
            count_param("limit", _PAGE, _MAX_PAGE),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        handler=list_subscriptions,
    ),
    Operation(
        "GET",
        SUBSCRIPTION,
        "get_subscription",
        Tag.SUBS,
        "A subscription (without its secret)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionView, "The subscription and its endpoint health.")},
        OWNED,
        handler=get_subscription,
    ),
    Operation(
        "PATCH",
        SUBSCRIPTION,
        "update_subscription",
        Tag.SUBS,
        "Change a subscription's URL, filters, recognised_only, retry schedule, description or "
        "signature scheme (v1a / v1sm2)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionChanged, "The subscription as changed.")},
        (
            *OWNED,
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
        "limited per subscribing region (`CG_TERMS_CHANGES_PER_MINUTE`, 429), as is a turn "
        "from `single` to `batched` delivery, recorded with the log's head too. "
        "A new `url` is challenged at once, as at "
        "creation: until it answers, the subscription is `pending` and its deliveries are parked; "
        "a success delivers them (`redriven`); such challenges are limited per subscribing "
        "region (`CG_URL_CHALLENGES_PER_MINUTE`, 30; 429, nothing written). "
        "`signature_scheme` moves between `v1a` and `v1sm2` (not for a `v1` subscription: "
        "400); deliveries parked because the gateway held "
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
        SUBSCRIPTION,
        "delete_subscription",
        Tag.SUBS,
        "Delete a subscription: nothing more is planned or sent for it",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionDeleted, "Deleted.")},
        OWNED,
        handler=delete_subscription,
    ),
)
