"""Who is calling, and what they sent: request helpers shared by every route module.

A platform's request is authenticated once, by whichever helper a route calls first: that call
verifies the request form and uses up the webhook-id, and later helpers in the same request
reuse its answer (a second check would find the id used, and refuse the request as a replay).

A console session (``Authorization: Bearer cgs_…``, ``gateway.console_sessions``) speaks for
the operator or the region that opened it: the same helpers answer with that caller, so every
route's own checks apply to the browser console unchanged.
"""

from __future__ import annotations

import base64
import hmac
import re
from typing import Any
from weakref import WeakKeyDictionary

from chalice.app import Request
from pydantic import ValidationError

from chalicelib.bootstrap import container
from chalicelib.settings import BEARER_TOKEN, event_sources
from gateway.authentication import Authenticated, authenticate_request, replayed
from gateway.console_sessions import ConsoleSession, is_session_token
from gateway.national import refuse_unregistered
from gateway.recognition import ANONYMOUS, Viewer
from gateway.registry import PlatformKey
from gateway.validation import M, schema_error
from gateway_client.contract import (
    BadRequest,
    ConsoleSessionInvalid,
    Intake,
    MalformedJson,
    OperatorCredentialsRequired,
    OperatorOnly,
    RequestTarget,
    SchemaError,
    check_existing_jurisdiction,
    check_region_code,
)

_verified: WeakKeyDictionary[Request, Authenticated] = WeakKeyDictionary()
Session = tuple[ConsoleSession, PlatformKey | None]
_sessions: WeakKeyDictionary[Request, Session] = WeakKeyDictionary()
_bodies: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()


def headers(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in request.headers.items()}


IDEMPOTENCY_KEY = "idempotency-key"
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,128}")


def idempotency_key(request: Request) -> str | None:
    """The operator's ``Idempotency-Key`` header (8–128 of letters, digits, ``_.:-``; 400 at
    it otherwise): a creation retried under it makes nothing twice (review 188). A platform's
    signed request has its webhook-id for that."""
    key = headers(request).get(IDEMPOTENCY_KEY)
    if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise BadRequest(
            "Idempotency-Key: 8 to 128 letters, digits, '_', '.', ':' or '-'",
            path=IDEMPOTENCY_KEY,
        )
    return key


def query(request: Request, name: str) -> str | None:
    """A declared query parameter's one value (``routing.check_query`` refused the request
    already if it came twice or the route does not declare it)."""
    params: dict[str, str] = dict(request.query_params or {})
    return params.get(name)


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter from ``low`` to ``high`` (``default`` when absent), else
    400 ``invalid_schema`` naming it."""
    raw = query(request, name)
    if raw is None:
        return default
    digits = raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))  # int() refuses 4301
    if not digits or not low <= int(raw) <= high:
        raise SchemaError(f"{name} must be a whole number from {low} to {high}", path=name)
    return int(raw)


def region_code(code: str, name: str) -> str:
    """A region code from the request (a path or query parameter ``name``): 6 digits, else 400
    ``invalid_schema`` naming it, before the code is looked up or written anywhere."""
    try:
        check_region_code(code)
    except ValueError as exc:
        raise SchemaError(f"{name}: {exc}", path=name) from exc
    return code


def region_param(request: Request, name: str) -> str | None:
    """A query parameter naming a region: absent, or the code of a division that exists (400
    ``invalid_schema`` naming it: a filter by a mistyped code answered an empty list, which
    reads as a real answer about a real region; review 116)."""
    code = query(request, name)
    if code is None:
        return None
    try:
        check_existing_jurisdiction(region_code(code, name))
    except ValueError as exc:
        raise SchemaError(f"{name}: {exc}", path=name) from exc
    return code


def jurisdiction_param(request: Request, name: str, registered: bool = True) -> str | None:
    """A query parameter naming a jurisdiction, whose answer states it or keeps it on record
    (a query's ``as``): absent, or one that exists (400 ``invalid_schema`` for 999999, say) —
    and, unless ``registered`` is off (an anonymous caller, who may not read the registry and
    whose answer keeps nothing), a national source's code only once registered."""
    code = query(request, name)
    if code is None:
        return None
    try:
        check_existing_jurisdiction(code)
    except ValueError as exc:
        raise SchemaError(f"{name}: {exc}", path=name) from exc
    return registered_source(code, name) if registered else code


def registered_source(code: str | None, path: str) -> str | None:
    """``code``, unless it is a national source's that is not registered (400)."""
    refuse_unregistered(code, container().registry.get_region, path)
    return code


def body(request: Request) -> bytes:
    """The body's bytes; one an event marks base64 that is not (API Gateway never sends such
    a body, a hand-made event may) is a client's malformed body, not a 500 — and not read as
    what is left once the characters outside the alphabet are dropped (Chalice's decoding)."""
    found = _bodies.get(request)
    if found is None:
        event = request.to_original_event()
        coded = bool(event.get("isBase64Encoded") and event.get("body"))
        try:
            if coded:
                found = base64.b64decode(event["body"], validate=True)
            else:
                raw = request.raw_body or b""
                found = raw.encode() if isinstance(raw, str) else raw
        except ValueError as exc:  # binascii.Error; a body of lone surrogates (not UTF-8)
            said = "marked base64 but is not base64" if coded else "not UTF-8"
            raise MalformedJson(f"body: {said}", path="body") from exc
        _bodies[request] = found
    return found


def is_operator(request: Request) -> bool:
    """An IAM principal API Gateway authorised (routes with the IAM authorizer, on AWS), or
    the bearer token (the local stack; on AWS, routes that platforms share)."""
    if event_sources().operator_auth == "iam" and iam_principal(request):
        return True
    given = bearer(request)
    if given is not None and is_session_token(given):
        found = console_session(request)
        return found is not None and found[0].role == "operator"
    if given is None:  # nothing to compare: no secret is read for it
        return False
    token = container().operator_token
    if token is None:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def bearer(request: Request) -> str | None:
    """The bearer token, when it is one: printable ASCII of a sane length (anything else is
    no credential at all, so a stray byte never reaches a hash or a comparison)."""
    scheme, _, token = headers(request).get("authorization", "").strip().partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""  # the scheme: any case (RFC 9110)
    return token if BEARER_TOKEN.fullmatch(token) else None


def console_session(request: Request) -> Session | None:
    """The live console session this request carries, once per request; ``None`` without one
    (401 ``console_session_invalid`` for a token that is not, or no longer, a session)."""
    token = bearer(request)
    if token is None or not is_session_token(token):
        return None
    found = _sessions.get(request)
    if found is None:
        c = container()
        try:
            found = c.console_sessions.resolve(token, c.clock.now())
        except LookupError as exc:
            raise ConsoleSessionInvalid(f"{exc}: open a new one (gateway console)") from exc
        _sessions[request] = found
    return found


def iam_principal(request: Request) -> str | None:
    """The caller's ARN as API Gateway's IAM authorisation verified it (never client input)."""
    identity = (request.context or {}).get("identity") or {}
    arn = identity.get("userArn")
    return str(arn) if arn else None


def require_operator(request: Request) -> None:
    """401 without (valid) operator credentials; 403 for a platform whose signature verifies."""
    if is_operator(request):
        return
    if console_session(request) is not None or "webhook-signature" in headers(request):
        region = signed_region(request)
        raise OperatorOnly(f"a platform of {region} cannot call an operator endpoint")
    raise OperatorCredentialsRequired(
        "this endpoint needs the operator's credentials (Authorization: Bearer …)"
    )


def target(request: Request) -> RequestTarget:
    """What the request does, rebuilt from what Chalice matched: the route template (which
    never holds API Gateway's stage or a custom domain's base path) with the captured path
    parameters, and the decoded query parameters — the same locally and on AWS."""
    params = request.query_params
    pairs = [] if params is None else [(n, v) for n in params for v in params.getlist(n)]
    return RequestTarget.from_route(request.method, request.path, request.uri_params, pairs)


def authenticated(request: Request, *, idempotent: bool = False) -> Authenticated:
    """The platform that signed this request, verified once per request (401/403/409).

    ``idempotent``: a creation that answers a repeated webhook-id with what that id created
    gets ``Authenticated.repeated`` instead of 409 ``request_replayed``.
    """
    found = _verified.get(request)
    if found is None:
        _no_wrong_token(request)  # an operator's mistyped token is not told to sign
        c = container()
        found = authenticate_request(
            c.registry,
            c.nonces,
            headers(request),
            target(request),
            body(request),
            c.clock.now(),
            c.settings.tolerance,
            idempotent=idempotent,
        )
        _verified[request] = found
    if found.repeated and not idempotent:
        raise replayed(found)
    return found


def signed_region(request: Request) -> str:
    """The region of the platform key that signed this request, or that opened its console
    session (401/403/409 otherwise)."""
    session = console_session(request)
    if session is not None and session[1] is not None:
        return session[1].region
    return authenticated(request).key.region


def operator_or_region(request: Request) -> str | None:
    """``None`` for the operator, else the signing platform's region."""
    if is_operator(request):
        return None
    return signed_region(request)


def _no_wrong_token(request: Request) -> None:
    """401 at ``authorization`` for a bearer token that is neither the operator's nor a
    console session's, on a request no platform signed: it was refused as an unsigned one,
    at ``webhook-id`` (or, on a query, read as anonymous), telling an operator who mistyped
    the token to sign (review 177)."""
    given = bearer(request)
    if given is None or is_session_token(given) or "webhook-signature" in headers(request):
        return
    if is_operator(request):  # the right token, on a route a platform signs: told to sign
        return
    raise OperatorCredentialsRequired(
        "the bearer token is not the operator's", path="authorization"
    )


def viewer(request: Request) -> Viewer:
    """Who asks, for what a query may show: the operator, the region whose key signed (with
    its relay policy), or anonymous — no operator credentials and no signature. A signature
    that does not verify is refused (401/403), never read as anonymous."""
    session = console_session(request)
    if is_operator(request):
        return Viewer(
            kind="operator", key_id=iam_principal(request), in_browser=session is not None
        )
    if session is not None and session[1] is not None:
        key, region = session[1], container().registry.get_region(session[1].region)
        relays = region is not None and region.relays_subregions
        return Viewer(
            kind="region",
            region=key.region,
            relays_subregions=relays,
            key_id=key.key_id,
            in_browser=True,
        )
    _no_wrong_token(request)
    if "webhook-signature" not in headers(request):
        return ANONYMOUS
    signed = authenticated(request)  # read its region already: no second read
    key, relays = signed.key, signed.region.relays_subregions
    return Viewer(kind="region", region=key.region, relays_subregions=relays, key_id=key.key_id)


def source_address(request: Request) -> str:
    """The client address API Gateway saw (``requestContext.identity.sourceIp``); headers such
    as X-Forwarded-For are the client's to write, so they are never read."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def valid(model: type[M], data: dict[str, Any]) -> M:
    """Validate data built from the request (path and body together) as the client's input
    (``Intake``: the rules that judge input only apply, e.g. no control characters)."""
    try:
        return model.model_validate(data, context=Intake())
    except ValidationError as exc:
        raise schema_error(exc) from exc
