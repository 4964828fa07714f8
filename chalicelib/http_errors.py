"""The one table from domain errors to HTTP status, and the wrapper every route uses."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from chalice.app import Response
from pydantic import BaseModel

from chalicelib.observability import note
from gateway.strict_json import DuplicateKey
from gateway_client.contract import errors, mask_ids_in, resident_ids_masked

P = ParamSpec("P")
M = TypeVar("M", bound=BaseModel)


class UnexpectedBody(errors.BadRequest):
    """A body sent to a route that takes none (an action named by its path alone): refused
    rather than ignored, so a caller who believes a field does something learns it does not
    before anything is written. ``path`` is the body's first field (``body`` if no object)."""

    code = "unexpected_body"


class UnsupportedMediaType(errors.GatewayError):
    """A body that is not declared ``application/json`` (UTF-8): the gateway reads no other."""

    code = "unsupported_media_type"
    default_path = "content-type"


class MethodNotAllowed(errors.GatewayError):
    """A method the path is not served with; ``allowed`` lists those it is."""

    code = "method_not_allowed"
    default_path = "method"


class UnknownParameter(errors.BadRequest):
    """A query parameter the route does not declare: refused, not ignored, so a misspelt
    filter (``?regoin=``) never silently answers for everything."""

    code = "unknown_parameter"
    default_path = "query"  # a parameter without a name (``?=1``)


class RepeatedParameter(errors.BadRequest):
    """A query parameter given twice: which one counts would be the parser's choice."""

    code = "repeated_parameter"


# What a route declared without a body answers one that has one (``routing.refuse_body``),
# and one with a body a body it cannot read (``routing.require_json``); either, a body in a
# content coding (``routing.require_plain``).
NO_BODY_ERRORS: tuple[type[errors.GatewayError], ...] = (
    errors.MalformedJson,
    DuplicateKey,
    UnexpectedBody,
    UnsupportedMediaType,
)
MEDIA_ERRORS: tuple[type[errors.GatewayError], ...] = (UnsupportedMediaType,)
# What a route with a path parameter answers one longer than any id (``routing._view``).
PATH_ERRORS: tuple[type[errors.GatewayError], ...] = (errors.BadRequest,)
# What any route answers a body past what a function takes (``routing._view``; API Gateway's
# own refusal of a larger one has the same code: ``infra/gateway_responses.py``).
SIZE_ERRORS: tuple[type[errors.GatewayError], ...] = (errors.PayloadTooLarge,)
# What any route answers a query it does not take (``routing.check_query``).
QUERY_ERRORS: tuple[type[errors.GatewayError], ...] = (UnknownParameter, RepeatedParameter)

STATUS: tuple[tuple[type[errors.GatewayError], int], ...] = (
    (errors.AuthenticationError, 401),
    (errors.ForbiddenError, 403),
    (errors.PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (MethodNotAllowed, 405),
    (errors.RateLimited, 429),
    (errors.Busy, 503),
    (errors.NotFound, 404),
    (errors.Gone, 410),
    (errors.Conflict, 409),
    (errors.BadRequest, 400),
)


def status_for(error: errors.GatewayError) -> int:
    return next((status for cls, status in STATUS if isinstance(error, cls)), 400)


# Every JSON answer: never sniffed as markup (it carries text other regions pushed, served from
# the console's origin), and not kept by a browser or a proxy (it may name a person) unless its
# route says otherwise (``GET /v1/keys``).
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
"""Every answer, page and file a browser may load from the gateway carries these (``json_api``
adds them to what a route answers: a signed note or the API document too, review 49)."""
API_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    **SAFE_HEADERS,
    "Cache-Control": "no-store",
    # a JSON answer loads nothing and is framed by no one: an error on the console's paths
    # carries a policy as strict as the console's own (review 151)
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


REPLY_BUDGET = 6 * 1024 * 1024 - 64 * 1024
"""Lambda's 6 MB for a function's reply, less room for the status, headers and framing."""


def reply_bytes(body: Any) -> int:
    """What ``body`` takes in a reply where Lambda measures it: its JSON as a string inside
    the proxy response the runtime writes, quotes and backslashes escaped again and, on the
    python3.11 runtime this is packaged for, every non-ASCII character as ``\\uXXXX`` (six
    bytes for a Chinese character's three; review 343: an answer under 5 MB as UTF-8 was a
    7 MB reply, a 502)."""
    return len(json.dumps(json.dumps(body, ensure_ascii=False)))


def fits_a_reply(model: BaseModel) -> bool:
    """Whether ``model``, as JSON, fits one reply (``reply_bytes``)."""
    return reply_bytes(model.model_dump(mode="json")) <= REPLY_BUDGET


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed from a request: escape, never a 500
        text = json.dumps(body, ensure_ascii=True)
    return Response(
        body=text,
        status_code=status,
        headers={**API_HEADERS, **(headers or {})},
    )


def error_response(error: errors.GatewayError) -> Response:
    waits = isinstance(error, errors.RateLimited | errors.Busy)
    retry = error.context.get("retry_after") if waits else None
    headers = {"Retry-After": str(retry)} if retry is not None else None
    # an error quotes what was sent (a path's id, a batch id, a key id, a field): an ID number
    # put there is masked wherever it is quoted, valid or mistyped, as the errors a push or an
    # upload keeps are (reviews 287, 291)
    return json_response(status_for(error), {"error": _ids_masked(error.to_dict())}, headers)


def _ids_masked(value: Any) -> Any:
    if isinstance(value, str):
        return resident_ids_masked(mask_ids_in(value))
    if isinstance(value, dict):
        return {key: _ids_masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_ids_masked(item) for item in value]
    return value


def json_api(route: Callable[P, Response]) -> Callable[P, Response]:
    """Turn domain errors into 4xx JSON. Anything else is the gateway's fault and stays a 500,
    so a misconfiguration or a bad stored record is never blamed on the caller."""

    @functools.wraps(route)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            response = route(*args, **kwargs)
        except errors.GatewayError as error:
            note(error=error.code)  # on the request's one log line
            return error_response(error)
        response.headers = {**SAFE_HEADERS, **response.headers}  # whatever the route set
        return response

    return wrapper
