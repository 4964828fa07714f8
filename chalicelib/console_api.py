"""Console sessions over HTTP (``gateway.console_sessions``): ``gateway console`` opens one with
a signed request (or the operator's credentials) and hands the token to the browser.

What a session may do is decided here, in one place (``accepts_session``): read what its caller
may read, and run the delivery actions of the console's subscriptions page. Every other route
that writes refuses it with 403 ``console_session_not_allowed`` before its body runs — pushes,
uploads, objections, repairs, agreements, keys, subscriptions' endpoints and secrets, and
opening another session (a token must not outlive itself by minting the next).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from chalice.app import Request, Response
from pydantic import AwareDatetime, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.console_sessions import DEFAULT_TTL, LONGEST_TTL, ConsoleSession
from gateway.validation import parse_request
from gateway_client.contract import ConsoleSessionInvalid, Frozen, errors

_ACTIONS = frozenset(
    {
        "pause_subscription",
        "resume_subscription",
        "test_subscription",
        "replay",
        "redrive",
        "enable_subscription",
        "verify_subscription",
        "close_console_session",
    }
)


def accepts_session(route: Operation) -> bool:
    """A console session may read (GET) and run the console's delivery actions."""
    return route.method == "GET" or route.operation_id in _ACTIONS


class _Open(Frozen):
    ttl_minutes: int = Field(
        default=int(DEFAULT_TTL.total_seconds() // 60),
        ge=5,
        le=int(LONGEST_TTL.total_seconds() // 60),
        description="How long the session lasts (cut to the key's own end of validity).",
    )


class SessionView(Frozen):
    role: Literal["operator", "region"]
    region: str | None = Field(description="the region it speaks for; null: the operator")
    region_name: str | None
    key_id: str | None = Field(description="the platform key that opened it")
    expires_at: AwareDatetime


class OpenedSession(SessionView):
    token: str = Field(
        description="Send as `Authorization: Bearer <token>`; shown once, stored only hashed."
    )


def _view(session: ConsoleSession) -> dict[str, object]:
    region = container().registry.get_region(session.region) if session.region else None
    return SessionView(
        role=session.role,
        region=session.region,
        region_name=region.name if region else None,
        key_id=session.key_id,
        expires_at=session.expires_at,
    ).model_dump(mode="json")


def open_session(request: Request) -> Response:
    """201 with a new token, for the operator or the region whose key signed the request."""
    c = container()
    key = None if caller.is_operator(request) else caller.authenticated(request).key
    wanted = parse_request(_Open, caller.body(request) or b"{}")
    token, session = c.console_sessions.open(
        c.clock.now(), timedelta(minutes=wanted.ttl_minutes), key
    )
    return json_response(201, {**_view(session), "token": token})


def _current(request: Request) -> caller.Session:
    found = caller.console_session(request)
    if found is None:
        raise ConsoleSessionInvalid(
            "this route answers a console session only (Authorization: Bearer cgs_…)"
        )
    return found


def show_session(request: Request) -> Response:
    return json_response(200, _view(_current(request)[0]))


def close_session(request: Request) -> Response:
    """Sign out: the token stops working at once."""
    _current(request)
    container().console_sessions.close(caller.bearer(request) or "")
    return Response(body="", status_code=204)


_SESSION_ERRORS = (ConsoleSessionInvalid,)

ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/console/sessions",
        "open_console_session",
        Tag.META,
        "Open a console session: a short-lived token the browser console sends instead",
        Access.OPERATOR_OR_PLATFORM,
        {201: Reply(OpenedSession, "The session and its token.")},
        (errors.ConsoleSessionNotAllowed,),
        body=_Open,
        body_required=False,
        description="`gateway console` signs this request and opens the console with the "
        "token in the address's fragment (never sent to a server). The session reads what "
        "its caller may read and runs the subscriptions page's actions; every other write "
        "refuses it (403 `console_session_not_allowed`).",
        handler=open_session,
    ),
    Operation(
        "GET",
        "/v1/console/session",
        "show_console_session",
        Tag.META,
        "Who the console session in Authorization speaks for, until when",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SessionView, "The session.")},
        _SESSION_ERRORS,
        handler=show_session,
    ),
    Operation(
        "DELETE",
        "/v1/console/session",
        "close_console_session",
        Tag.META,
        "Sign out: close the console session in Authorization now",
        Access.OPERATOR_OR_PLATFORM,
        {204: Reply({"type": "string", "maxLength": 0}, "Closed.")},
        _SESSION_ERRORS,
        handler=close_session,
    ),
)
