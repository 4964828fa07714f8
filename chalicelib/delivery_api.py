"""Deliveries: their owner or the operator reads attempts and re-enables; re-drive is the
operator's."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.delivery_replies import (
    Deliveries,
    DeliveryView,
    Enabled,
    Redriven,
    SignedBody,
)
from chalicelib.dynamodb.delivery_list_query import Place
from chalicelib.http_errors import json_response, reply_bytes
from chalicelib.recipients import recipient_region
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag, count_param
from chalicelib.subscriptions_api import owned_subscription, platform_key
from gateway.delivery import DeliveryState, Subscription
from gateway.validation import parse_request
from gateway_client.contract import (
    NotFound,
    RegionMismatch,
    SchemaError,
    errors,
    mask_ids_in,
    values_masked,
)

_DELIVERY_ID = re.compile(r"(msg|bat)_[0-9a-f]{32}")  # never a key DynamoDB would refuse
_IN_A_BATCH = (
    "; a change delivered as a line of a batch (batched delivery) has no record of its own: "
    "the subscription's deliveries list it with its batch_id, and "
    "GET /v1/deliveries/{batch_id} shows the batch with its lines"
)


def list_deliveries(request: Request, subscription_id: str) -> Response:
    owned_subscription(request, subscription_id)
    raw_state = caller.query(request, "state")
    try:
        state = DeliveryState(raw_state) if raw_state is not None else None  # "": refused
    except ValueError as exc:
        raise SchemaError("state is one of delivered, retrying, dead", path="state") from exc
    since, until = _instant(request, "since"), _instant(request, "until")
    if since is not None and until is not None and until < since:
        raise SchemaError("until is before since", path="until")
    limit = int_param(request, "limit", 100, 1, _MAX_LIMIT)
    raw_after = caller.query(request, "after")
    after = Place.of(raw_after) if raw_after is not None else None
    found, place = container().deliveries.listed(
        subscription_id, state, limit, since, until, after, reply_bytes
    )
    return json_response(
        200, {"deliveries": found, "next": place.cursor() if place is not None else None}
    )


_MAX_LIMIT = 500


def _instant(request: Request, name: str) -> datetime | None:
    """An ISO-8601 instant with its UTC offset (400 ``invalid_schema`` otherwise)."""
    raw = caller.query(request, name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("no UTC offset")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise SchemaError(f"{name}: an ISO-8601 time with its UTC offset", path=name) from exc


def get_delivery(request: Request, delivery_id: str) -> Response:
    view, _ = _readable_delivery(request, delivery_id)
    return json_response(200, view)


def _readable_delivery(
    request: Request, delivery_id: str
) -> tuple[dict[str, Any], Subscription | None]:
    """The delivery's view and subscription, for the subscription's region or the operator."""
    region = caller.operator_or_region(request)
    c = container()
    view = c.deliveries.view(delivery_id) if _DELIVERY_ID.fullmatch(delivery_id) else None
    if view is None:
        raise NotFound(f"no delivery {delivery_id}{_IN_A_BATCH}", path="delivery_id")
    subscription = c.subscriptions.get(view["subscription_id"])
    if region is not None and recipient_region(c, view["subscription_id"], delivery_id) != region:
        raise RegionMismatch(f"delivery {delivery_id} did not go to {region}", path="delivery_id")
    return view, subscription


def delivery_body(request: Request, delivery_id: str) -> Response:
    """The delivery's signed request, for diagnosis: rebuilt from the exchange log the way a
    re-drive rebuilds it and shaped by the code that sends it, so the body holds what the
    subscriber's region may see today (``Resending.shown_again``).

    Two things keep it a view and not a credential: it is signed with the time of the latest
    attempt — what was posted then — never now, so the headers cannot pass for a fresh delivery
    (receivers refuse a timestamp past their tolerance, and a webhook-id already seen); and
    resident ID numbers are masked in it whoever asks (the subscriber holds the unmasked copy
    it was sent), so a browser session never receives one. A body the view changed (an ID
    masked, and with it the listing's ``id_salt`` left out) comes without its
    ``webhook-signature``: the signature covers the body as sent, and with a public key (v1a)
    the hidden digits would be found by checking it against each candidate."""
    view, subscription = _readable_delivery(request, delivery_id)
    if view.get("batch") is not None:
        raise NotFound(
            f"{delivery_id} is a batch: its announcement is made afresh at each attempt, and "
            "each line's body is in its file as the subscriber fetched it",
            path="delivery_id",
        )
    c = container()
    rebuilt = c.resending.rebuilt(delivery_id)
    if subscription is None or rebuilt is None:
        raise NotFound(
            f"delivery {delivery_id} cannot be rebuilt: its subscription or change is gone",
            path="delivery_id",
        )
    today = c.resending.shown_again(rebuilt)
    attempts = [a for a in view["attempts"] if a.get("not_sent") is None]
    signed_at = datetime.fromisoformat(attempts[-1]["at"]) if attempts else None
    headers, body = c.delivery_service.signed_request(today, subscription, signed_at)
    shown = _masked_body(body)
    if today != rebuilt or shown != json.loads(body):
        # the signature covers what is no longer shown, or what was never posted (review 200)
        headers = {k: v for k, v in headers.items() if k != "webhook-signature"}
    reply = {
        "delivery_id": delivery_id,
        "headers": headers,
        "body": shown,
        "signed_at": signed_at.isoformat() if signed_at else None,
    }
    return json_response(200, reply)


def _masked_body(body: bytes) -> Any:
    """The body with resident ID numbers masked and then without the listing's ``id_salt``:
    beside the ``ids_commitment`` any masked copy of the listing carries, the salt would let
    anyone try each number the mask leaves open until one matches. A body with no number to
    mask is shown as posted, salt and all: its commitment hides no number. Numbers written
    into text before input refused them are masked too, in any spelling (review 308)."""
    posted = json.loads(body)
    shown = values_masked(json.loads(mask_ids_in(body.decode())))
    if shown == posted:
        return shown
    data = shown.get("data")
    listing = data.get("listing") if isinstance(data, dict) else None
    if isinstance(listing, dict):
        listing.pop("id_salt", None)
    return shown


class _Redrive(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delivery_ids: list[Annotated[str, Field(pattern=r"^msg_[0-9a-f]{32}$")]] | None = Field(
        default=None, max_length=1000
    )


def redrive(request: Request, subscription_id: str) -> Response:
    """Send dead deliveries again (all of them, or the ones named) with their webhook ids.

    An operator action: the subscriber sees its dead letters and re-enables its endpoint,
    but pushing the queue again is the operator's call."""
    caller.require_operator(request)
    owned_subscription(request, subscription_id)
    wanted = parse_request(_Redrive, caller.body(request) or b"{}")
    redriven = container().resending.redrive(subscription_id, wanted.delivery_ids)
    return json_response(202, {"redriven": redriven})


class _Enable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redeliver_missed: bool = True


def enable(request: Request, subscription_id: str) -> Response:
    """Turn a disabled endpoint back on and, by default, deliver everything it missed."""
    subscription = owned_subscription(request, subscription_id)
    wanted = parse_request(_Enable, caller.body(request) or b"{}")
    redriven = container().resending.enable(
        subscription, wanted.redeliver_missed, platform_key(request)
    )
    return json_response(200, {"enabled": True, "redriven": redriven})


ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/v1/subscriptions/{subscription_id}/deliveries",
        "list_deliveries",
        Tag.SUBS,
        "A subscription's deliveries with every attempt, newest first",
        Access.OPERATOR_OR_PLATFORM,
        {
            200: Reply(
                Deliveries,
                "At most `limit` (default 100); a delivered batch's lines one by one, each "
                "with its `batch_id`, a batch being retried as one entry; `next` when there "
                "may be more.",
            )
        },
        (errors.NotFound, errors.RegionMismatch, errors.SchemaError),
        query=(
            Param(
                "state",
                {"type": "string", "enum": [s.value for s in DeliveryState]},
                "Only deliveries in this state.",
            ),
            Param(
                "since",
                {"type": "string", "format": "date-time"},
                "Only deliveries listed at or after this time (`listed_at`, with its UTC "
                "offset): a delivery accepted at its first attempt is listed when it was "
                "queued, which may be before it was attempted.",
            ),
            Param(
                "until",
                {"type": "string", "format": "date-time"},
                "Only deliveries listed at or before this time (not before `since`).",
            ),
            Param(
                "after",
                {"type": "string"},
                "The `next` of the previous call: go on from where it stopped.",
            ),
            count_param("limit", 100, _MAX_LIMIT),
        ),
        handler=list_deliveries,
    ),
    Operation(
        "POST",
        "/v1/subscriptions/{subscription_id}/redrive",
        "redrive",
        Tag.SUBS,
        "Send dead deliveries again (all, or the ones named)",
        Access.OPERATOR,
        {202: Reply(Redriven, "How many were reopened and queued.")},
        (errors.NotFound,),
        body=_Redrive,
        body_required=False,
        handler=redrive,
    ),
    Operation(
        "POST",
        "/v1/subscriptions/{subscription_id}/enable",
        "enable_subscription",
        Tag.SUBS,
        "Re-enable a disabled endpoint and, by default, deliver what it missed",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Enabled, "Enabled.")},
        (errors.NotFound, errors.RegionMismatch),
        body=_Enable,
        body_required=False,
        handler=enable,
    ),
    Operation(
        "GET",
        "/v1/deliveries/{delivery_id}",
        "get_delivery",
        Tag.SUBS,
        "One delivery with every attempt, or one batch with its lines",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(DeliveryView, "The delivery, or the batch (with `batch`).")},
        (errors.NotFound, errors.RegionMismatch),
        description="A `msg_` id is a delivery; a `bat_` id a batch of batched delivery, shown "
        "with `batch` (its file and, once delivered, its lines) and no `listing_id`. A change "
        "delivered as a line of a batch has no record of its own: its id is 404, and the "
        "subscription's deliveries list it with its `batch_id`, whose view holds the line.",
        handler=get_delivery,
    ),
    Operation(
        "GET",
        "/v1/deliveries/{delivery_id}/body",
        "delivery_body",
        Tag.SUBS,
        "One delivery's signed request, as its latest attempt posted it (IDs masked)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SignedBody, "Headers and body, signed at `signed_at`.")},
        (errors.NotFound, errors.RegionMismatch, errors.Sm2NotOffered),
        description="Rebuilt from the exchange log as a re-drive rebuilds it and signed as "
        "sending signs it, with the latest attempt's time (never now: this is no fresh "
        "delivery); resident ID numbers are masked. 404 when the delivery is unknown, or its "
        "change was erased by retention or its subscription deleted.",
        handler=delivery_body,
    ),
)
