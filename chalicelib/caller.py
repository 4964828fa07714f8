"""Who is calling, and what they sent: request helpers shared by every route module."""

from __future__ import annotations

import hmac
from typing import Any

from chalice.app import Request
from pydantic import ValidationError

from chalicelib.bootstrap import container
from chalicelib.settings import event_sources
from gateway.authentication import authenticate
from gateway.errors import OperatorCredentialsRequired, OperatorOnly
from gateway.push import M, schema_error


def headers(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in request.headers.items()}


def query(request: Request, name: str) -> str | None:
    params: dict[str, str] = dict(request.query_params or {})
    return params.get(name)


def body(request: Request) -> bytes:
    raw = request.raw_body or b""
    return raw.encode() if isinstance(raw, str) else raw


def is_operator(request: Request) -> bool:
    """An IAM principal API Gateway authorised (routes with the IAM authorizer, on AWS), or
    the bearer token (the local stack; on AWS, routes that platforms share)."""
    if event_sources().operator_auth == "iam" and iam_principal(request):
        return True
    token = container().operator_token
    given = headers(request).get("authorization", "")
    if token is None or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), token.encode())


def iam_principal(request: Request) -> str | None:
    """The caller's ARN as API Gateway's IAM authorisation verified it (never client input)."""
    identity = (request.context or {}).get("identity") or {}
    arn = identity.get("userArn")
    return str(arn) if arn else None


def require_operator(request: Request) -> None:
    """401 without (valid) operator credentials; 403 for a platform whose signature verifies."""
    if is_operator(request):
        return
    if "webhook-signature" in headers(request):
        region = signed_region(request)
        raise OperatorOnly(f"a platform of {region} cannot call an operator endpoint")
    raise OperatorCredentialsRequired(
        "this endpoint needs the operator's credentials (Authorization: Bearer …)"
    )


def signed_region(request: Request) -> str:
    """The region of the platform key that signed this request (401/403 otherwise)."""
    c = container()
    auth = authenticate(
        c.registry, headers(request), body(request), c.clock.now(), c.settings.tolerance
    )
    return auth.key.region


def operator_or_region(request: Request) -> str | None:
    """``None`` for the operator, else the signing platform's region."""
    return None if is_operator(request) else signed_region(request)


def trusted(request: Request) -> bool:
    """An operator, or a platform whose signed request verifies, may see unmasked IDs."""
    if is_operator(request):
        return True
    if "webhook-signature" not in headers(request):
        return False
    signed_region(request)
    return True


def valid(model: type[M], data: dict[str, Any]) -> M:
    """Validate data built from the request (path and body together) as the client's input."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise schema_error(exc) from exc
