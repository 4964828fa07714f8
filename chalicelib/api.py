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
from gateway.agreement import Agreement, AgreementTerms
from gateway.clock import china_date
from gateway.codes import CodeProblem, classify, mask
from gateway.errors import (
    BadRequest,
    Conflict,
    NotFound,
    OperatorOnly,
    RegionMismatch,
    UnknownRegion,
)
from gateway.ingest import authenticate
from gateway.query import subject_view
from gateway.reevaluation import recognition_changes
from gateway.regions import RegionCode
from gateway.registry import PlatformKey, Region
from gateway.signing import generate_hmac_secret, public_key_text
from gateway.subscription import Subscription, SubscriptionRequest, check_webhook_url


def _headers(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in request.headers.items()}


def _query(request: Request, name: str) -> str | None:
    params: dict[str, str] = dict(request.query_params or {})
    return params.get(name)


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


def _trusted(request: Request) -> bool:
    """An operator, or a platform whose signed request verifies, may see unmasked IDs."""
    if is_operator(request):
        return True
    headers = _headers(request)
    if "webhook-signature" not in headers:
        return False
    c = container()
    authenticate(c.registry, headers, _body(request), c.clock.now(), c.settings.tolerance)
    return True


def subject(request: Request, credit_code: str) -> Response:
    try:
        code, _ = classify(credit_code)
    except CodeProblem as problem:
        raise BadRequest(problem.message, path="credit_code", reason=problem.code) from problem
    as_region = _query(request, "as")
    if as_region is not None:
        as_region = _valid(_AsRegion, {"region": as_region}).region
    c = container()
    listings = c.listings.subject(code)
    if not listings:
        raise NotFound(f"no listings for {mask(code)}", path="credit_code")
    agreements = c.agreements.all() if as_region else []
    view = subject_view(
        listings, as_region, agreements, china_date(c.clock.now()), _trusted(request)
    )
    return json_response(200, view.model_dump(mode="json"))


class _AsRegion(BaseModel):
    region: RegionCode


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


def create_agreement(request: Request) -> Response:
    require_operator(request)
    c = container()
    terms = parse_request(AgreementTerms, _body(request))
    _require_region(terms.subscriber_region)
    agreement = Agreement(
        **terms.model_dump(),
        agreement_id="agr_" + secrets.token_hex(8),
        revision=1,
        updated_at=c.clock.now(),
    )
    return _save_agreement(None, agreement, 201)


def revise_agreement(request: Request, agreement_id: str) -> Response:
    require_operator(request)
    c = container()
    current = _existing_agreement(agreement_id)
    terms = parse_request(AgreementTerms, _body(request))
    if terms.subscriber_region != current.subscriber_region:
        raise BadRequest("an agreement's subscriber region cannot change", path="subscriber_region")
    revised = Agreement(
        **terms.model_dump(),
        agreement_id=agreement_id,
        revision=current.revision + 1,
        updated_at=c.clock.now(),
    )
    return _save_agreement(current, revised, 200)


def end_agreement(request: Request, agreement_id: str) -> Response:
    """End an agreement today; it is kept, with its history, as no longer effective."""
    require_operator(request)
    c = container()
    current = _existing_agreement(agreement_id)
    today = china_date(c.clock.now())
    ended = current.model_copy(
        update={
            "effective_until": max(today, current.effective_from),
            "revision": current.revision + 1,
            "updated_at": c.clock.now(),
        }
    )
    return _save_agreement(current, ended, 200)


def list_agreements(request: Request) -> Response:
    wanted = _query(request, "subscriber")
    agreements = [a for a in container().agreements.all() if wanted in (None, a.subscriber_region)]
    agreements.sort(key=lambda a: (a.subscriber_region, a.agreement_id))
    return json_response(200, {"agreements": [a.model_dump(mode="json") for a in agreements]})


def _existing_agreement(agreement_id: str) -> Agreement:
    found = container().agreements.get(agreement_id)
    if found is None:
        raise NotFound(f"no agreement {agreement_id}", path="agreement_id")
    return found


def _require_region(code: str) -> None:
    if container().registry.get_region(code) is None:
        raise UnknownRegion(f"region {code} is not registered", path="subscriber_region")


def _save_agreement(previous: Agreement | None, agreement: Agreement, status: int) -> Response:
    """Store the agreement, then deliver what it changes for its subscriber's existing listings."""
    c = container()
    region = agreement.subscriber_region
    others = [
        a
        for a in c.agreements.all()
        if a.subscriber_region == region and a.agreement_id != agreement.agreement_id
    ]
    c.agreements.put(agreement)
    deliveries = recognition_changes(
        c.listings.by_subject(),
        region,
        others + ([previous] if previous else []),
        [*others, agreement],
        [s for s in c.subscriptions.all() if s.region == region],
        f"{agreement.agreement_id}@{agreement.revision}",
        c.clock.now(),
    )
    c.queue.enqueue(deliveries)
    body = {"agreement": agreement.model_dump(mode="json"), "deliveries_queued": len(deliveries)}
    return json_response(status, body)
