"""Every route on the Chalice app, from the one declaration each has (``openapi.OPERATIONS``).

The view function Chalice sees is named after the route's ``operation_id`` (Chalice names the
route by it) and only hands the request and the path parameters to the declared handler, inside
``json_api``. The operator-only routes get the IAM authorizer: on AWS API Gateway admits only
IAM-signed callers to them, and their handlers accept the identity it verified. The two the
browser console uses (re-drive, overdue objections; ``console_api.accepts_session``) do not:
a browser cannot sign SigV4, so there the handler's own check — the operator's token or the
operator's console session — is the guard. A re-drive re-sends a subscription's own dead
letters to it, and the other is a read: nothing changes hands on either.

Before any handler runs, the view refuses what no route takes, in the error shape and with
the part at fault as ``path``: a query parameter the route does not declare or one given
twice, a body on a route without one, a body that is not JSON; the middleware does the same
for a method the path is not served with. So no handler can act on a request that says more
than it reads.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Authorizer, Chalice, Request, Response

from chalicelib import caller
from chalicelib.console_api import accepts_session
from chalicelib.http_errors import (
    MethodNotAllowed,
    RepeatedParameter,
    UnexpectedBody,
    UnknownParameter,
    UnsupportedMediaType,
    error_response,
    json_api,
)
from chalicelib.observability import note
from chalicelib.openapi import OPERATIONS
from chalicelib.route_spec import Access, Operation
from gateway.validation import PATH_CHARS, parse_json
from gateway_client.contract import (
    BadRequest,
    ConsoleSessionNotAllowed,
    PayloadTooLarge,
    shown_input,
)

ANY = ["*/*"]
MAX_PATH_PARAMETER = 256
"""No id or code in a path is longer; DynamoDB refuses a key over 2 KB with an error, not a
miss."""
MAX_BODY_BYTES = 6 * 1024 * 1024
"""Lambda's quota for a synchronous request: no larger body reaches a function on AWS, and the
local server refuses one before any route parses it (a push's own limit is lower)."""


def register(app: Chalice, operator_only: Authorizer | None) -> None:
    """Declare each route of ``OPERATIONS`` on ``app``; ``operator_only`` (None locally) guards
    the routes whose ``access`` is the operator's."""
    for route in OPERATIONS:
        iam = route.access is Access.OPERATOR and not accepts_session(route)
        authorizer = operator_only if iam else None
        # Every media type reaches the view, which judges it (``require_json``): Chalice's own
        # check would refuse a bodiless GET for its Content-Type, and not in the error shape.
        app.route(route.path, methods=[route.method], authorizer=authorizer, content_types=ANY)(
            _view(app, route)
        )
    app.register_middleware(method_not_allowed, "http")


def _view(app: Chalice, route: Operation) -> Callable[..., Response]:
    def view(**path_params: str) -> Response:
        request = app.current_request
        if request is None:
            raise RuntimeError("a route body ran outside a request")
        check_query(request, route)
        for name, value in path_params.items():
            if not value:  # ``//`` in the path: DynamoDB refuses an empty key with an error
                raise BadRequest(f"{name}: empty, no id is", path=name)
            if len(value) > MAX_PATH_PARAMETER:
                raise BadRequest(
                    f"{name}: over {MAX_PATH_PARAMETER} characters, no id is that long", path=name
                )
        raw = caller.body(request)
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(
                f"body: over {MAX_BODY_BYTES} bytes, what a function takes", path="body"
            )
        if raw:
            require_plain(request)
        if route.body is None:
            refuse_body(raw, route)
        elif raw:
            require_json(request)
        if not accepts_session(route) and caller.console_session(request) is not None:
            raise ConsoleSessionNotAllowed(
                f"{route.method} {route.path} needs the platform's own signature or the "
                "operator's credentials, not a console session"
            )
        return route.handler(request, **path_params)

    view.__name__ = view.__qualname__ = route.operation_id
    return json_api(view)


def refuse_body(raw: bytes, route: Operation) -> None:
    """A route declared without a body takes none, or ``{}``: once here for all of them, since
    a handler that never reads the body would otherwise act on a request whose body says
    something else (``{"effective_until": …}`` on ``DELETE /v1/agreements/{id}``).

    Raises
    ------
    MalformedJson
        the body is not JSON.
    UnexpectedBody
        any other JSON; ``path`` is its first field, or ``body``.
    """
    if not raw:
        return
    value = parse_json(raw)
    if value == {}:
        return
    path = shown_input(next(iter(value)), PATH_CHARS) if isinstance(value, dict) else "body"
    raise UnexpectedBody(
        f"{path}: {route.method} {route.path} takes no body (send none, or {{}})", path=path
    )


def check_query(request: Request, route: Operation) -> None:
    """Each query parameter is one the route declares, given once: a handler reads the ones it
    knows (``caller.query``), so an unknown one would be ignored and a repeated one would
    count by the parser's choice. A page takes any (``Operation.is_page``).

    Raises
    ------
    UnknownParameter, RepeatedParameter
        400, ``path`` the parameter's name.
    """
    params = request.query_params
    if params is None or route.is_page:
        return
    declared = {param.name for param in route.query}
    for name in params:
        shown = shown_input(name, PATH_CHARS)  # a name is input too: masked
        if name not in declared:
            raise UnknownParameter(
                f"{shown or '(no name)'}: {route.method} {route.path} takes no such query "
                "parameter",
                path=shown or "query",
            )
        if len(params.getlist(name)) > 1:
            raise RepeatedParameter(f"{shown}: given more than once", path=shown)


_UTF8 = frozenset({"utf-8", "utf8"})  # "utf8" is the alias MySQL and many clients send


def require_plain(request: Request) -> None:
    """A body's bytes are read as sent, on every route: no content coding is decoded (none is
    configured at the edge), so a gzip body is told so, and plain JSON said to be gzip is not
    read as if it said nothing.

    Raises
    ------
    UnsupportedMediaType
        415, ``path`` ``content-encoding``.
    """
    coding = caller.headers(request).get("content-encoding")
    if coding is not None and coding.strip().lower() not in {"", "identity"}:
        raise UnsupportedMediaType(
            f"content-encoding: {shown_input(coding, 80)!r} is not decoded; send the body "
            "uncompressed",
            path="content-encoding",
        )


def require_json(request: Request) -> None:
    """A body is read as UTF-8 JSON, so it must say so (or say nothing: Chalice's default);
    a form, text or file would otherwise be parsed as what it does not claim to be.

    Raises
    ------
    UnsupportedMediaType
        415, ``path`` ``content-type``.
    """
    given = caller.headers(request).get("content-type")
    if given is None:
        return
    media, *params = (part.strip().lower() for part in given.split(";"))
    # RFC 9110 allows no space around "=", but a sender's "charset = x" still means x: judged,
    # not skipped as some other parameter (which let any charset through, read as UTF-8).
    named = (p.partition("=") for p in params)
    charsets = {value.strip().strip('"') for name, _, value in named if name.strip() == "charset"}
    if media != "application/json" or not charsets <= _UTF8:
        raise UnsupportedMediaType(
            f"content-type: {shown_input(given, 80)!r} is not read; send application/json (UTF-8)",
            path="content-type",
        )


def method_not_allowed(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: its own 405 for a method a path is not served with, in the
    gateway's error shape (``Allow`` kept). On AWS, API Gateway answers such a request itself
    (``infra.gateway_responses``)."""
    response = get_response(request)
    body = response.body
    if response.status_code != 405 or not isinstance(body, dict) or "Code" not in body:
        return response
    allowed = str(response.headers.get("Allow", ""))  # Chalice sets one string
    error = MethodNotAllowed(
        f"method: {request.method} is not served on this path (it is: {allowed})",
        path="method",
        allowed=[m.strip() for m in allowed.split(",") if m.strip()],
    )
    note(error=error.code)
    reply = error_response(error)
    reply.headers["Allow"] = allowed
    return reply
