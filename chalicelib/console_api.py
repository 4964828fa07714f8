"""Console sessions over HTTP (``gateway.console_sessions``): ``gateway console`` signs a request
for a one-time hand-off code (or the operator gives the token), and the page redeems the code
for the session's token.

What a session may do is decided here, in one place (``accepts_session``), route by route: the
reads the console's pages make and the delivery actions of its subscriptions page. Every other
route refuses it with 403 ``console_session_not_allowed`` before its body runs — pushes,
uploads, objections, repairs, agreements, keys, subscriptions' endpoints and secrets, pausing a
feed, the person query and the query trail (a natural person's one-stop query too:
``query_api``), and opening another session (a token must not outlive itself by minting the
next). Anonymous routes ignore credentials, a session's too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from chalice.app import Request, Response
from pydantic import AwareDatetime, Field, StrictBool, StrictInt

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag
from gateway.console_sessions import DEFAULT_TTL, HANDOFF_PREFIX, LONGEST_TTL, ConsoleSession
from gateway.recognition import key_named
from gateway.validation import parse_request
from gateway_client.contract import ConsoleSessionInvalid, Frozen, NotFound, RegionMismatch, errors

_ALLOWED = frozenset(
    {
        # the pages' reads
        "show_console_session",
        "list_subscriptions",
        "get_subscription",
        "list_deliveries",
        "get_delivery",
        "get_upload",
        "list_uploads",
        "get_activity",
        "list_regions",
        "list_measures",
        "delivery_body",
        "subject",
        "listing_feedback",
        "overdue_objections",
        "overdue_commitments",
        "stats",
        "log_entries",
        "log_tile",
        "log_proof",
        # the subscriptions page's actions
        "test_subscription",
        "replay",
        "redrive",
        "enable_subscription",
        # signing out
        "close_console_session",
    }
)


def accepts_session(route: Operation) -> bool:
    return route.access is Access.ANONYMOUS or route.operation_id in _ALLOWED


_MINUTES = int(DEFAULT_TTL.total_seconds() // 60)


class _Open(Frozen):
    ttl_minutes: StrictInt = Field(
        default=_MINUTES,
        ge=5,
        le=int(LONGEST_TTL.total_seconds() // 60),
        description="How long the session lasts (cut to the key's own end of validity).",
    )
    handoff: StrictBool = Field(
        default=False,
        description="Answer with a one-time hand-off code (for a browser: "
        "`POST /v1/console/handoffs` redeems it within a minute) instead of the token.",
    )


class _Redeem(Frozen):
    code: str = Field(pattern=f"^{HANDOFF_PREFIX}[A-Za-z0-9_-]{{43}}$")


class SessionView(Frozen):
    role: Literal["operator", "region"]
    region: str | None = Field(description="the region it speaks for; null: the operator")
    region_name: str | None
    key_id: str | None = Field(description="the platform key that opened it")
    expires_at: AwareDatetime


class OpenedSession(SessionView):
    token: str | None = Field(
        description="Send as `Authorization: Bearer <token>`; shown once, stored only hashed "
        "(null when a hand-off code was asked for)."
    )
    handoff: str | None = Field(
        description="Redeem once, within a minute: `POST /v1/console/handoffs` (null unless "
        "asked for)."
    )


def _view(session: ConsoleSession) -> dict[str, object]:
    region = container().registry.get_region(session.region) if session.region else None
    return SessionView(
        role=session.role,
        region=session.region,
        region_name=region.name if region else None,
        key_id=key_named(session.key_id),  # one registered before review 317 may hold a number
        expires_at=session.expires_at,
    ).model_dump(mode="json")


def open_session(request: Request) -> Response:
    """201 with a hand-off code or a token, for the operator or the region whose key signed."""
    c = container()
    key = None if caller.is_operator(request) else caller.authenticated(request).key
    wanted = parse_request(_Open, caller.body(request) or b"{}")
    now, ttl = c.clock.now(), timedelta(minutes=wanted.ttl_minutes)
    if wanted.handoff:
        code, offered = c.console_sessions.offer(now, ttl, key)
        return json_response(201, {**_view(offered), "token": None, "handoff": code})
    token, session = c.console_sessions.open(now, ttl, key)
    return json_response(201, {**_view(session), "token": token, "handoff": None})


def redeem_handoff(request: Request) -> Response:
    """Anyone holding the code: it is the credential, good once and for a minute."""
    c = container()
    wanted = parse_request(_Redeem, caller.body(request))
    try:
        token, session = c.console_sessions.redeem(wanted.code, c.clock.now())
    except LookupError as exc:
        raise ConsoleSessionInvalid(f"{exc}: run gateway console again", path="code") from exc
    return json_response(201, {**_view(session), "token": token, "handoff": None})


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
    c = container()
    c.console_sessions.close(caller.bearer(request) or "")
    return json_response(200, {"closed_at": c.clock.now().isoformat()})


def close_all(request: Request) -> Response:
    """End every session of the signing region (the operator: of ``region``, or its own)."""
    region, named = caller.operator_or_region(request), caller.region_param(request, "region")
    if region is not None and named not in (None, region):
        raise RegionMismatch(f"{region} closes its own sessions only", path="region")
    c = container()
    if region is None and named is not None and c.registry.get_region(named) is None:
        raise NotFound(f"region {named} is not registered: it has no sessions", path="region")
    c.console_sessions.close_all(region or named)
    # whose: the operator who forgets ``region`` closes its own, and is told so (review 188)
    whose = region or named or "operator"
    return json_response(200, {"closed_at": c.clock.now().isoformat(), "whose": whose})


_SESSION_ERRORS = (ConsoleSessionInvalid,)


class Closed(Frozen):
    closed_at: AwareDatetime = Field(description="sessions opened before this no longer work")
    whose: str | None = Field(
        default=None,
        description="closing every session: the region's code, or `operator` for the "
        "operator's own (no `region` given)",
    )


_CLOSED = Reply(Closed, "Closed.")

ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/console/sessions",
        "open_console_session",
        Tag.META,
        "Open a console session for the browser console (a hand-off code, or the token)",
        Access.OPERATOR_OR_PLATFORM,
        {201: Reply(OpenedSession, "The session, and its token or code.")},
        (errors.ConsoleSessionNotAllowed,),
        body=_Open,
        body_required=False,
        description="`gateway console` signs this request with `handoff: true` and opens "
        "the console with the code in the address's fragment; the page redeems it. The "
        "session reads what its caller may read and runs the subscriptions page's actions; "
        "every other write refuses it (403 `console_session_not_allowed`).",
        handler=open_session,
    ),
    Operation(
        "POST",
        "/v1/console/handoffs",
        "redeem_console_handoff",
        Tag.META,
        "Redeem a hand-off code for its console session (once, within a minute)",
        Access.ANONYMOUS,
        {201: Reply(OpenedSession, "The session and its token.")},
        (*_SESSION_ERRORS, errors.MalformedJson, errors.SchemaError),
        body=_Redeem,
        handler=redeem_handoff,
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
        {200: _CLOSED},
        _SESSION_ERRORS,
        handler=close_session,
    ),
    Operation(
        "DELETE",
        "/v1/console/sessions",
        "close_console_sessions",
        Tag.META,
        "Close every console session of the signing region (a lost laptop), at once",
        Access.OPERATOR_OR_PLATFORM,
        {200: _CLOSED},
        (
            errors.ConsoleSessionNotAllowed,
            errors.SchemaError,
            errors.RegionMismatch,
            errors.NotFound,
        ),
        query=(Param("region", REGION_CODE, "The operator: this region's sessions."),),
        description="The operator closes a region's sessions with `region`, or without it "
        "its own. Needs the key's signature (or the operator's token), never a session.",
        handler=close_all,
    ),
)
