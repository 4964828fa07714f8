"""Every route on the Chalice app, from the one declaration each has (``openapi.OPERATIONS``).

The view function Chalice sees is named after the route's ``operation_id`` (Chalice names the
route by it) and only hands the request and the path parameters to the declared handler, inside
``json_api``. The operator-only routes get the IAM authorizer: on AWS API Gateway admits only
IAM-signed callers to them, and their handlers accept the identity it verified. The two the
browser console uses (re-drive, overdue objections; ``console_api.accepts_session``) do not:
a browser cannot sign SigV4, so there the handler's own check — the operator's token or the
operator's console session — is the guard. A re-drive re-sends a subscription's own dead
letters to it, and the other is a read: nothing changes hands on either.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Authorizer, Chalice, Response

from chalicelib import caller
from chalicelib.console_api import accepts_session
from chalicelib.http_errors import UnexpectedBody, json_api
from chalicelib.openapi import OPERATIONS
from chalicelib.route_spec import Access, Operation
from gateway.validation import parse_json
from gateway_client.contract import ConsoleSessionNotAllowed


def register(app: Chalice, operator_only: Authorizer | None) -> None:
    """Declare each route of ``OPERATIONS`` on ``app``; ``operator_only`` (None locally) guards
    the routes whose ``access`` is the operator's."""
    for route in OPERATIONS:
        iam = route.access is Access.OPERATOR and not accepts_session(route)
        authorizer = operator_only if iam else None
        app.route(route.path, methods=[route.method], authorizer=authorizer)(_view(app, route))


def _view(app: Chalice, route: Operation) -> Callable[..., Response]:
    def view(**path_params: str) -> Response:
        request = app.current_request
        if request is None:
            raise RuntimeError("a route body ran outside a request")
        if not accepts_session(route) and caller.console_session(request) is not None:
            raise ConsoleSessionNotAllowed(
                f"{route.method} {route.path} needs the platform's own signature or the "
                "operator's credentials, not a console session"
            )
        if route.body is None:
            refuse_body(caller.body(request), route)
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
    path = next(iter(value)) if isinstance(value, dict) else "body"
    raise UnexpectedBody(
        f"{path}: {route.method} {route.path} takes no body (send none, or {{}})", path=path
    )
