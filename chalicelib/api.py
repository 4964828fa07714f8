"""HTTP route bodies: parse at the edge, call the domain, shape the JSON reply."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from chalice.app import Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from chalicelib.bootstrap import container
from chalicelib.http_errors import M, json_response, parse_request, schema_error
from gateway.codes import CodeProblem, classify
from gateway.errors import (
    BadRequest,
    Conflict,
    NotFound,
    OperatorOnly,
    RegionMismatch,
    UnknownRegion,
)
from gateway.ingest import authenticate
from gateway.registry import PlatformKey, Region
from gateway.signing import generate_hmac_secret, public_key_text
from gateway.subscription import Subscription, SubscriptionRequest, check_webhook_url


def _headers(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in request.headers.items()}


def _body(request: Request) -> bytes:
    raw = request.raw_body or b""
    return raw.encode() if isinstance(raw, str) else raw


def is_operator(request: Request) -> bool:
    token = container().settings.operator_token
    given = _headers(request).get("authorization", "")
    if token is None or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(
        given.removeprefix("Bearer ").encode(), token.get_secret_value().encode()
    )


def require_operator(request: Request) -> None:
    if not is_operator(request):
        raise OperatorOnly("this endpoint needs the operator token (Authorization: Bearer …)")


def push(request: Request) -> Response:
    result = container().push_service.push(_headers(request), _body(request))
    return json_response(200, result.model_dump(mode="json"))


def subject(credit_code: str) -> Response:
    try:
        code, subject_type = classify(credit_code)
    except CodeProblem as problem:
        raise BadRequest(problem.message, path="credit_code", reason=problem.code) from problem
    listings = sorted(container().listings.subject(code), key=lambda x: (x.kind, x.decided_on))
    if not listings:
        raise NotFound(f"no listings for {code}", path="credit_code")
    latest = max(listings, key=lambda x: x.accepted_at)
    return json_response(
        200,
        {
            "credit_code": code,
            "subject_type": subject_type.value,
            "subject_name": latest.subject_name,
            "listings": [x.model_dump(mode="json") for x in listings],
        },
    )


def create_subscription(request: Request) -> Response:
    """Operators may subscribe any region; a platform, by signing, only its own."""
    c = container()
    body = _body(request)
    signed_by: str | None = None
    if not is_operator(request):
        auth = authenticate(
            c.registry, _headers(request), body, c.clock.now(), c.settings.tolerance
        )
        signed_by = auth.key.region
    wanted = parse_request(SubscriptionRequest, body)
    if signed_by is not None and wanted.region != signed_by:
        raise RegionMismatch(f"a {signed_by} key cannot subscribe {wanted.region}", path="region")
    if c.registry.get_region(wanted.region) is None:
        raise UnknownRegion(f"region {wanted.region} is not registered", path="region")
    check_webhook_url(wanted.url, allow_loopback_http=c.settings.local)
    # A signed request's webhook-id makes a retried creation return the same subscription.
    msg_id = _headers(request).get("webhook-id")
    seed = f"{signed_by}:{msg_id}" if signed_by else secrets.token_hex(16)
    subscription_id = "sub_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    existing = c.subscriptions.get(subscription_id)
    if existing is not None:
        if (
            SubscriptionRequest.model_validate(existing.model_dump(include=_REQUEST_FIELDS))
            != wanted
        ):
            raise Conflict(
                "this webhook-id already created a different subscription", path="webhook-id"
            )
        return json_response(200, existing.model_dump(mode="json"))
    subscription = Subscription(
        **wanted.model_dump(),
        subscription_id=subscription_id,
        secret=generate_hmac_secret() if wanted.signature_scheme == "v1" else None,
        created_at=c.clock.now(),
    )
    c.subscriptions.put(subscription)
    return json_response(201, subscription.model_dump(mode="json"))


_REQUEST_FIELDS = set(SubscriptionRequest.model_fields)


def _valid(model: type[M], data: dict[str, Any]) -> M:
    """Validate data built from the request (path and body together) as the client's input."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise schema_error(exc) from exc


def gateway_keys() -> Response:
    signer = container().signer
    key = {
        "key_id": signer.key_id,
        "algorithm": "ed25519",
        "public_key": public_key_text(signer.private_key),
    }
    return json_response(200, {"keys": [key]}, {"Cache-Control": "max-age=300"})


class _RegionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class _KeyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_id: str
    public_key: str
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


def put_region(request: Request, code: str) -> Response:
    require_operator(request)
    body = parse_request(_RegionBody, _body(request))
    region = _valid(Region, {"code": code, "name": body.name})
    container().registry.put_region(region)
    return json_response(200, region.model_dump(mode="json"))


def add_platform_key(request: Request, code: str) -> Response:
    require_operator(request)
    c = container()
    body = parse_request(_KeyBody, _body(request))
    if c.registry.get_region(code) is None:
        raise NotFound(f"region {code} is not registered", path="region")
    fields: dict[str, Any] = body.model_dump()
    fields["valid_from"] = body.valid_from or c.clock.now()
    key = _valid(PlatformKey, {**fields, "region": code})
    c.registry.put_key(key)
    return json_response(201, key.model_dump(mode="json"))
