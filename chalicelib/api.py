"""HTTP route bodies: parse at the edge, call the domain, shape the JSON reply."""

from __future__ import annotations

from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.observability import correlate, emit, note
from gateway.delivery import SubscriptionRequest
from gateway.registry import KeyIdTaken, PlatformKey, Region
from gateway.validation import parse_request
from gateway_client.contract import (
    ID_HEADER,
    Moment,
    NotFound,
    SingleLine,
    key_set,
)


def push(request: Request) -> Response:
    """Counts per region go to the metrics (``Push*``) and to the request's log line."""
    headers = caller.headers(request)
    correlate(batch_id=headers.get(ID_HEADER))
    result = container().push_service.push(headers, caller.body(request))
    counts = {
        "accepted": result.accepted,
        "duplicate": result.duplicate,
        "rejected": result.rejected,
    }
    emit({f"Push{name.title()}": n for name, n in counts.items()}, region=result.region)
    note(region=result.region, **counts)
    return json_response(200, result.model_dump(mode="json"))


def create_subscription(request: Request) -> Response:
    """Operators may subscribe any region; a platform, by signing, only its own
    (``gateway.delivery.SubscriptionDesk``). 201 with the new subscription, ``pending`` or
    ``verified`` as its endpoint answered the challenge; a retried request, 200 without the
    secret."""
    auth = None if caller.is_operator(request) else caller.authenticated(request, idempotent=True)
    wanted = parse_request(SubscriptionRequest, caller.body(request))
    created = container().subscription_desk.create(wanted, auth)
    if not created.new:
        return json_response(200, created.subscription.public_view())
    return json_response(201, created.subscription.model_dump(mode="json"))


def gateway_keys() -> Response:
    """Every key a receiver should accept: the signing one, and the next or previous ones the
    operator publishes while rotating (``CG_PUBLISHED_KEYS``)."""
    c = container()
    keys = key_set(c.signer, c.settings.published_keys)
    body = {"keys": [key.model_dump(mode="json") for key in keys]}
    return json_response(200, body, {"Cache-Control": "max-age=300"})


class _RegionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: SingleLine
    push_rate_per_minute: int | None = None
    relays_subregions: bool = True


class _KeyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_id: str
    public_key: str
    valid_from: Moment | None = None
    valid_until: Moment | None = None


def put_region(request: Request, code: str) -> Response:
    caller.require_operator(request)
    body = parse_request(_RegionBody, caller.body(request))
    region = caller.valid(Region, {"code": code, **body.model_dump()})
    container().registry.put_region(region)
    return json_response(200, region.model_dump(mode="json"))


def add_platform_key(request: Request, code: str) -> Response:
    caller.require_operator(request)
    c = container()
    body = parse_request(_KeyBody, caller.body(request))
    if c.registry.get_region(code) is None:
        raise NotFound(f"region {code} is not registered", path="region")
    fields: dict[str, Any] = body.model_dump()
    fields["valid_from"] = body.valid_from or c.clock.now()
    key = caller.valid(PlatformKey, {**fields, "region": code})
    held = c.registry.get_key(key.key_id)
    if held is not None:
        # An id names one key for good: registering it again could swap the key or undo a
        # revocation. The same registration sent twice is a retry and answers as before.
        if held.region == code and held.public_key == key.public_key and held.valid_until is None:
            return json_response(200, held.model_dump(mode="json"))
        raise KeyIdTaken(
            f"key id {key.key_id} is already registered; a new key needs a new id", path="key_id"
        )
    c.registry.put_key(key)
    return json_response(201, key.model_dump(mode="json"))


def list_platform_keys(request: Request, code: str) -> Response:
    caller.require_operator(request)
    keys = container().registry.keys_of(code)
    return json_response(200, {"keys": [k.model_dump(mode="json") for k in keys]})


def revoke_platform_key(request: Request, code: str, key_id: str) -> Response:
    """Revoke now: pushes signed with the key are refused from this moment (rotate first)."""
    caller.require_operator(request)
    c = container()
    key = c.registry.get_key(key_id)
    if key is None or key.region != code:
        raise NotFound(f"no key {key_id} for region {code}", path="key_id")
    now = c.clock.now()
    until = now if key.valid_until is None else min(key.valid_until, now)
    revoked = key.model_copy(update={"valid_until": max(until, key.valid_from)})
    c.registry.put_key(revoked)
    return json_response(200, revoked.model_dump(mode="json"))
