"""A client's mistake is a 4xx with ``{"error": {"code", "message"}}``, never a 5xx.

Every route of ``app.py`` gets hostile input — random JSON, non-JSON bytes, empty bodies, huge
numbers, deep nesting, a wrong type in each known field, unicode (full-width digits, NUL),
random path parameters and query strings — from three callers: anonymous, the operator, and a
platform whose signature over the exact body bytes verifies, so the body really reaches
validation. ``POST /v1/pushes`` also gets fuzzed entries and removals inside a valid envelope,
and must answer a retry of the same batch the same way (nothing half-written).

The 5xx these found are kept at the end as plain regression tests (``test_regression_*``).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    HUBEI,
    HUNAN,
    NATURAL_PERSON_CODE,
    OPERATOR_TOKEN,
    OTHER_CREDIT_CODE,
    Gateway,
    agreement_terms,
    black_entry,
    create_agreement,
    new_batch_id,
    new_signer,
    platform_headers,
)
from chalice.local import LambdaContext
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

import app as gateway_app
from gateway_client.contract.listing import ListingEntry, identity_of
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.push_client import signed_headers

REPO_ROOT = Path(__file__).resolve().parents[2]
CALLERS = ("anonymous", "operator", "platform")
SECOND_DECISION = "(2024)黑09执124号"
SPARE_KEY_ID = "k-spare-1"
FULL_WIDTH_CODE = "".join(chr(ord(c) + 0xFEE0) for c in CREDIT_CODE)  # ９１１…Ｌ

# No shrinking: an example sends to every route, so shrinking one would cost minutes, and each
# failure already names its route, caller, input and the origin of the exception; the
# regression tests at the end hold the minimal cases. 6 examples a run (each one every route
# from every caller, a few thousand requests a test; 44 routes now): new inputs every run, and
# Hypothesis's example database replays any that ever failed first.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "8")),  # more for a deeper run
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


# --- sending requests and judging replies ---------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class LastError(logging.Handler):
    """Keeps the exception Chalice logs for a 500, to say where it came from."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.record: logging.LogRecord | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.record = record

    def take(self) -> str:
        record, self.record = self.record, None
        if record is None or not record.exc_info or record.exc_info[1] is None:
            return "no traceback logged"
        _, exc, tb = record.exc_info
        frames = traceback.extract_tb(tb)
        ours = [
            f"{Path(frame.filename).relative_to(REPO_ROOT)}:{frame.lineno}"
            for frame in frames
            if frame.filename.startswith(str(REPO_ROOT))
            and "/.venv/" not in frame.filename
            and not frame.filename.endswith(("/app.py", "/http_errors.py"))
        ]
        origin = f"{ours[-1]} (called from {ours[0]})" if ours else frames[-1].filename
        return f"{type(exc).__name__}: {str(exc)[:100]} at {origin}"


@dataclass
class World:
    """The app with something to find: a platform, listings, an objection, a subscription and an
    agreement, so that valid path parameters reach the code behind the lookups."""

    gateway: Gateway
    signer: Ed25519Signer
    listing_id: str  # HUBEI's listing of CREDIT_CODE, no objection
    objected_id: str  # HUBEI's listing of CREDIT_CODE with objection "o-1" open
    subscription_id: str  # HUBEI's
    agreement_id: str  # HUNAN recognises HUBEI
    errors: LastError

    def known(self, name: str) -> list[str]:
        """Path parameter values that exist."""
        return {
            "credit_code": [CREDIT_CODE, CREDIT_CODE.lower(), FULL_WIDTH_CODE],
            "listing_id": [self.listing_id, self.objected_id],
            "objection_id": ["o-1"],
            "subscription_id": [self.subscription_id],
            "agreement_id": [self.agreement_id],
            "delivery_id": ["msg_" + "0" * 32],
            "code": [HUBEI, HUNAN],
            "key_id": [SPARE_KEY_ID, "k-fuzz-1"],  # never the signer's: that would end the fuzzing
            "upload_id": ["u-fuzz-1"],
            "asset": ["console.js", "console.css"],
        }[name]

    def headers(self, caller: str, body: bytes, method: str, target: str) -> dict[str, str]:
        """``caller``'s credentials; a platform signs ``method target`` and the body (a push
        with a valid batch id too, so it reaches its envelope)."""
        if caller == "operator":
            return {"Authorization": f"Bearer {OPERATOR_TOKEN}", "Content-Type": "application/json"}
        if caller == "platform":
            return platform_headers(self.signer, method, target, body, new_batch_id())
        return {"Content-Type": "application/json"}

    def send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        caller: str = "anonymous",
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        url = path + ("?" + urlencode(query, quote_via=quote) if query else "")
        sent = headers if headers is not None else self.headers(caller, body, method, url)
        response = self.gateway.client.http.request(method, url, headers=sent, body=body)
        return Reply(response.status_code, response.body)

    def invoke(self, route: Route, params: dict[str, str], body: bytes, caller: str) -> Reply:
        """The Lambda event API Gateway would send: path parameters arrive decoded."""
        path = route.template
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        event = {
            "requestContext": {
                "httpMethod": route.method,
                "resourcePath": route.template,
                "identity": {"sourceIp": "127.0.0.1"},
                "path": path,
            },
            "headers": {
                k.lower(): v
                for k, v in self.headers(caller, body, route.method, path_of(route, params)).items()
            },
            "pathParameters": dict(params),
            "multiValueQueryStringParameters": None,
            "stageVariables": {},
            "body": body,
            "isBase64Encoded": False,
        }
        reply = gateway_app.app(event, LambdaContext("api_handler", 256))
        raw = reply.get("body") or b""
        return Reply(int(reply["statusCode"]), raw.encode() if isinstance(raw, str) else raw)

    def problem(self, reply: Reply, what: str) -> str | None:
        """Why ``reply`` breaks the rule, or None."""
        if reply.status >= 500:
            return f"{what} -> {reply.status} ({self.errors.take()})"
        if reply.status >= 400:
            try:
                error = json.loads(reply.body)["error"]
                shaped = isinstance(error["code"], str) and isinstance(error["message"], str)
            except (ValueError, KeyError, TypeError):
                shaped = False
            if not shaped:
                return f"{what} -> {reply.status} without error.code: {reply.body[:200]!r}"
        return None


def check(world: World, reply: Reply, what: str) -> None:
    problem = world.problem(reply, what)
    assert problem is None, problem


def assert_none(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} bad replies:\n" + "\n".join(failures[:40])


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def encode(value: Any, ensure_ascii: bool = False) -> bytes:
    return json.dumps(value, ensure_ascii=ensure_ascii).encode()


# --- every route, with who may call it and a body it accepts ---------------------------------

Template = Callable[[World, str], dict[str, Any]]


def _push(world: World, msg_id: str) -> dict[str, Any]:
    return {
        "region": HUBEI,
        "batch_id": msg_id,
        "issued_at": now_iso(),
        "entries": [black_entry()],
        "removals": [],
    }


def _subscription(world: World, msg_id: str) -> dict[str, Any]:
    return {
        "region": HUBEI,
        "url": "http://127.0.0.1:9/hook",
        "filters": {"kinds": ["black"], "domains": ["court_defaulter"], "source_regions": [HUBEI]},
        "signature_scheme": "v1a",
        "recognised_only": False,
        "retry_schedule_seconds": [5, 60],
        "description": "订阅",
    }


def _upload(world: World, msg_id: str) -> dict[str, Any]:
    return {
        "region": HUBEI,
        "upload_id": msg_id,
        "issued_at": now_iso(),
        "count": 1,
        "sha256": "0" * 64,
        "size": 100,
        "mode": "resync",
        "domains": ["court_defaulter"],
    }


def _key(world: World, msg_id: str) -> dict[str, Any]:
    return {
        "key_id": "k-fuzz-1",
        "public_key": world.gateway.public_key,
        "valid_from": "2024-01-01T00:00:00+08:00",
        "valid_until": "2999-01-01T00:00:00+08:00",
    }


def _decision(world: World, msg_id: str) -> dict[str, Any]:
    return {
        "outcome": "corrected",
        "note": "核实",
        "source_updated_at": now_iso(),
        "source_sequence": 1,
        "corrected_entry": black_entry(decision_number=SECOND_DECISION, reason="更正"),
    }


def _reassignment(world: World, msg_id: str) -> dict[str, Any]:
    return {"note": "认定部门属湖南", "corrected_entry": {**black_entry(), "origin_region": HUNAN}}


def _fixed(body: dict[str, Any]) -> Template:
    return lambda world, msg_id: copy.deepcopy(body)


LISTING = "/v1/subjects/{credit_code}/listings/{listing_id}"
SUBSCRIPTION = "/v1/subscriptions/{subscription_id}"
OPERATOR_ONLY = ("operator",)
PLATFORM_ONLY = ("platform",)
EITHER = ("operator", "platform")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    callers: tuple[str, ...]  # who gets past its authorization
    body: Template | None = None

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


ROUTES = (
    Route("POST", "/v1/pushes", PLATFORM_ONLY, _push),
    Route("POST", "/v1/uploads", PLATFORM_ONLY, _upload),
    Route("GET", "/v1/regions/{code}/uploads/{upload_id}", EITHER),
    Route("GET", "/v1/regions/{code}/uploads", EITHER),
    Route("GET", "/v1/subjects/{credit_code}", CALLERS),
    Route("GET", "/v1/subjects/{credit_code}/trail", EITHER),
    Route(
        "POST",
        "/v1/checks",
        EITHER,
        _fixed({"codes": [CREDIT_CODE, "x"], "purpose": "supervision", "report": True}),
    ),
    Route(
        "POST",
        "/v1/persons/query",
        EITHER,
        _fixed({"id_number": NATURAL_PERSON_CODE, "purpose": "supervision"}),
    ),
    Route("POST", "/v1/persons/reindex", OPERATOR_ONLY),
    Route("POST", "/v1/subscriptions", EITHER, _subscription),
    Route("GET", "/v1/keys", CALLERS),
    Route("GET", "/v1/openapi.json", CALLERS),
    Route("GET", "/v1/docs", CALLERS),
    Route("GET", "/v1/docs/redoc.standalone.js", CALLERS),
    Route("GET", "/console", CALLERS),
    Route("GET", "/console/{asset}", CALLERS),
    Route("PUT", "/v1/regions/{code}", OPERATOR_ONLY, _fixed({"name": "湖南省"})),
    Route("POST", "/v1/regions/{code}/keys", OPERATOR_ONLY, _key),
    Route("GET", "/v1/regions/{code}/keys", OPERATOR_ONLY),
    Route("DELETE", "/v1/regions/{code}/keys/{key_id}", OPERATOR_ONLY),
    Route("POST", "/v1/agreements", OPERATOR_ONLY, _fixed(agreement_terms())),
    Route("GET", "/v1/agreements", CALLERS),
    Route("PUT", "/v1/agreements/{agreement_id}", OPERATOR_ONLY, _fixed(agreement_terms())),
    Route("DELETE", "/v1/agreements/{agreement_id}", OPERATOR_ONLY),
    Route(
        "POST",
        LISTING + "/objections",
        EITHER,
        _fixed({"objection_id": "o-2", "reason": "异议"}),
    ),
    Route(
        "POST",
        LISTING + "/objections/{objection_id}/verified",
        PLATFORM_ONLY,
        lambda world, msg_id: {"note": "已核实", "source_updated_at": now_iso()},
    ),
    Route("POST", LISTING + "/objections/{objection_id}/decision", PLATFORM_ONLY, _decision),
    Route(
        "POST",
        LISTING + "/repair",
        PLATFORM_ONLY,
        lambda world, msg_id: {
            "reason": "已履行",
            "source_updated_at": now_iso(),
            "source_sequence": 1,
        },
    ),
    Route("POST", LISTING + "/reassignment", OPERATOR_ONLY, _reassignment),
    Route(
        "POST",
        LISTING + "/performance",
        OPERATOR_ONLY,
        _fixed({"performed_on": "2026-01-05", "note": "履行日期更正"}),
    ),
    Route("GET", "/v1/objections/overdue", OPERATOR_ONLY),
    Route("GET", "/v1/commitments/overdue", EITHER),
    Route("POST", "/v1/listings/due/backfill", OPERATOR_ONLY),
    Route("POST", "/v1/deliveries/shards/backfill", OPERATOR_ONLY),
    Route("POST", "/v1/tick", OPERATOR_ONLY, lambda world, msg_id: {"at": now_iso()}),
    Route("POST", "/v1/stream-failures/redrive", OPERATOR_ONLY, lambda world, msg_id: {}),
    Route(
        "POST",
        "/v1/feedback",
        PLATFORM_ONLY,
        _fixed(
            {
                "delivery_id": "msg_" + "0" * 32,
                "measures": [
                    {
                        "measure_id": "restrict_franchise",
                        "department": "发展改革部门",
                        "executed_on": "2024-05-01",
                        "result": "executed",
                        "note": "",
                    }
                ],
            }
        ),
    ),
    Route("GET", LISTING + "/feedback", EITHER),
    Route("GET", "/v1/stats", EITHER),
    Route("POST", "/v1/stats/rebuild", OPERATOR_ONLY),
    Route("GET", "/v1/activity", EITHER),
    Route("GET", "/v1/subscriptions", EITHER),
    Route("GET", SUBSCRIPTION, EITHER),
    Route(
        "PATCH",
        SUBSCRIPTION,
        EITHER,
        _fixed(
            {"filters": {"kinds": ["red"]}, "retry_schedule_seconds": None, "description": "改"}
        ),
    ),
    Route("DELETE", SUBSCRIPTION, EITHER),
    Route("POST", SUBSCRIPTION + "/pause", EITHER),
    Route("POST", SUBSCRIPTION + "/resume", EITHER),
    Route("POST", SUBSCRIPTION + "/rotate-secret", EITHER, _fixed({"overlap_seconds": 60})),
    Route("POST", SUBSCRIPTION + "/test", EITHER),
    Route(
        "POST", SUBSCRIPTION + "/replay", EITHER, _fixed({"from_sequence": 1, "to_sequence": 10})
    ),
    Route("GET", SUBSCRIPTION + "/deliveries", EITHER),
    Route(
        "POST",
        SUBSCRIPTION + "/redrive",
        OPERATOR_ONLY,
        _fixed({"delivery_ids": ["msg_" + "0" * 32]}),
    ),
    Route("POST", SUBSCRIPTION + "/enable", EITHER, _fixed({"redeliver_missed": False})),
    Route("POST", SUBSCRIPTION + "/verify", EITHER),
    Route("GET", "/v1/deliveries/{delivery_id}", EITHER),
    Route("GET", "/v1/deliveries/{delivery_id}/body", EITHER),
    Route("GET", "/v1/log", EITHER),
    Route("GET", "/v1/regions", EITHER),
    Route("GET", "/v1/measures", EITHER),
    Route("GET", "/v1/log/checkpoints", CALLERS),
    Route("GET", "/v1/log/checkpoint", CALLERS),
    Route("GET", "/v1/log/vkey", CALLERS),
    Route("GET", "/v1/log/tile", EITHER),
    Route("GET", "/v1/log/proof", EITHER),
    Route("POST", "/v1/log/checkpoints", OPERATOR_ONLY),
    Route("POST", "/v1/console/sessions", EITHER, _fixed({"ttl_minutes": 30, "handoff": True})),
    Route("POST", "/v1/console/handoffs", CALLERS, _fixed({"code": "cgh_" + "a" * 43})),
    Route("GET", "/v1/console/session", ()),  # a console session only
    Route("DELETE", "/v1/console/session", ()),
    Route("DELETE", "/v1/console/sessions", EITHER),
)
BODY_ROUTES = tuple(route for route in ROUTES if route.body is not None)


def default_params(world: World, route: Route) -> dict[str, str]:
    """Path parameters that exist; a decision goes to the listing with the open objection."""
    params = {name: world.known(name)[0] for name in route.params}
    if "objection_id" in params:
        params["listing_id"] = world.objected_id
    return params


def path_of(route: Route, params: dict[str, str]) -> str:
    path = route.template
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def body_for(world: World, route: Route, caller: str, target: str) -> tuple[dict[str, str], bytes]:
    """A valid body for ``route`` and the headers that go with it (signed over those bytes and,
    but for a push or an upload, over ``route.method`` and ``target``, the path and query)."""
    msg_id = new_batch_id()
    raw = encode(route.body(world, msg_id)) if route.body else b""
    if caller == "platform":
        return platform_headers(world.signer, route.method, target, raw, msg_id), raw
    return world.headers(caller, raw, route.method, target), raw


# --- the world the routes run against ---------------------------------------------------------


@pytest.fixture
def world(gateway: Gateway) -> Iterator[World]:
    errors = LastError()
    gateway_app.app.log.addHandler(errors)
    # Each 5xx is reported with its origin below; Chalice's own tracebacks would drown it.
    gateway.monkeypatch.setattr(gateway_app.app.log, "propagate", False)
    try:
        signer = gateway.register_platform(HUBEI)
        assert gateway.put_region(HUNAN).status_code == 200
        spare = gateway.add_key(HUBEI, new_signer(SPARE_KEY_ID))
        assert spare.status_code == 201, spare.json_body
        first, second = black_entry(), black_entry(decision_number=SECOND_DECISION)
        pushed = gateway.push(signer, HUBEI, [first, second])
        assert pushed.json_body["accepted"] == 2, pushed.json_body
        listing_id, objected_id = (
            identity_of(ListingEntry.model_validate(e)) for e in (first, second)
        )
        body = encode({"objection_id": "o-1", "reason": "异议"})
        filed = gateway.post_signed(
            f"/v1/subjects/{CREDIT_CODE}/listings/{objected_id}/objections",
            signer,
            f"m-{uuid.uuid4().hex}",
            body,
        )
        assert filed.status_code == 201, filed.json_body
        subscribed = gateway.subscribe_as_operator(region=HUBEI, url="http://127.0.0.1:9/hook")
        assert subscribed.status_code == 201, subscribed.json_body
        agreed = create_agreement(gateway, agreement_terms())
        assert agreed.status_code == 201, agreed.json_body
        yield World(
            gateway=gateway,
            signer=signer,
            listing_id=listing_id,
            objected_id=objected_id,
            subscription_id=subscribed.json_body["subscription_id"],
            agreement_id=agreed.json_body["agreement"]["agreement_id"],
            errors=errors,
        )
    finally:
        gateway_app.app.log.removeHandler(errors)


def test_the_route_table_here_covers_every_route_of_the_app() -> None:
    in_app = {(m, path) for path, entries in gateway_app.app.routes.items() for m in entries}
    assert {(r.method, r.template) for r in ROUTES} == in_app


# --- hostile values ---------------------------------------------------------------------------

NASTY_SCALARS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "１２３４５６",  # full-width digits
    "４２００００",
    FULL_WIDTH_CODE,
    "٤٢٠٠٠٠",  # Arabic-Indic digits
    "²",
    "\u202e\ufeff",
    "𠀀𠀁",
    "a" * 5000,
    "null",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "２０２４-０３-０１",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-03-01T09:00:00",  # naive
    10**30,
    -(10**30),
    2**63,
    -(2**63) - 1,
    1e308,
    -1e308,
    5e-324,
    float("inf"),
    float("-inf"),
    float("nan"),
    0,
    -1,
    True,
    False,
    None,
    [],
    {},
    [[[[[[[[]]]]]]]],
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(NASTY_SCALARS),
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
OFFSETS = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
).map(lambda delta: timezone(delta - timedelta(microseconds=delta.microseconds)))
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(("0001-01-01", "9999-12-31", "9999-12-01", "2024-02-29", "2024-02-30")),
)
EXTREME_MOMENTS = st.sampled_from(
    (
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59+00:00",
        "2024-03-01T09:00:00",  # naive
    )
)
DATETIMES = st.one_of(
    st.builds(lambda d, tz: d.replace(tzinfo=tz).isoformat(), st.datetimes(), OFFSETS),
    EXTREME_MOMENTS,
)
URLS = st.builds(
    "{}://{}{}".format,
    st.sampled_from(("http", "https", "ftp", "", "HTTP")),
    st.text(alphabet="ab1.[]:@%-\x00＃／ａ１", max_size=14),
    st.sampled_from(("", "/hook", ":99999/x", "?q=1", "#f")),
)
WRONG_TYPES = (None, True, 123, 1.5, "x", [], {})

# Known field names get plausible values as well as hostile ones, so some items get far.
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "credit_code": st.sampled_from(
        (CREDIT_CODE, CREDIT_CODE.lower(), FULL_WIDTH_CODE, OTHER_CREDIT_CODE, NATURAL_PERSON_CODE)
    ),
    "id_number": st.sampled_from((NATURAL_PERSON_CODE, "110105*********02X")),
    "kind": st.sampled_from(("black", "red")),
    "kinds": st.lists(st.sampled_from(("black", "red")), max_size=3),
    "domain": st.sampled_from(("court_defaulter", "tax", "unknown")),
    "severity": st.sampled_from(("general", "relatively_serious", "serious")),
    "min_severity": st.sampled_from(("general", "relatively_serious", "serious")),
    "origin_region": st.sampled_from((HUBEI, DAYE, HUNAN, "420100", "000000")),
    "region": st.sampled_from((HUBEI, DAYE, HUNAN)),
    "subscriber_region": st.sampled_from((HUBEI, HUNAN)),
    "reason": st.sampled_from(("revoked", "repaired", "expired", "corrected", "x")),
    "outcome": st.sampled_from(("upheld", "corrected", "revoked")),
    "url": URLS,
    "source_sequence": st.integers(min_value=-1, max_value=10**13),
    "from_sequence": st.integers(min_value=-1, max_value=10**20),
    "to_sequence": st.integers(min_value=-1, max_value=10**20),
}
for _name in ("decided_on", "valid_from", "valid_until", "executed_on"):
    FIELD_VALUES[_name] = DATES
for _name in ("effective_from", "effective_until"):
    FIELD_VALUES[_name] = DATES
for _name in ("source_updated_at", "issued_at", "at"):
    FIELD_VALUES[_name] = DATETIMES


NASTY_STRINGS = tuple(v for v in NASTY_SCALARS if isinstance(v, str))
NASTY_NUMBERS = tuple(v for v in NASTY_SCALARS if type(v) in (int, float))


def similar(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same JSON type as ``value``: the type checks pass, the content may not."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, str):
        return st.one_of(st.text(max_size=30), st.sampled_from(NASTY_STRINGS))
    if isinstance(value, int | float):
        return st.one_of(st.integers(), st.floats(), st.sampled_from(NASTY_NUMBERS))
    if isinstance(value, list):
        return st.lists(similar(value[0]) if value else JSON, max_size=4)
    if isinstance(value, dict):
        return st.dictionaries(st.sampled_from([*value, ""]), JSON, max_size=len(value) + 1)
    return JSON


def values_for(name: object, current: Any) -> st.SearchStrategy[Any]:
    """For the field ``name`` now holding ``current``: plausible values of its own if it is a
    known field, values of the same type, or any JSON at all."""
    known = FIELD_VALUES.get(name) if isinstance(name, str) else None
    if known is not None:
        return st.one_of(known, similar(current), JSON)
    return st.one_of(similar(current), JSON)


def leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index in ``value``, as paths from the top."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += leaf_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += leaf_paths(child, (*prefix, index))
    return found


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


@st.composite
def mutated(draw: st.DrawFn, template: dict[str, Any], plausible: bool = False) -> dict[str, Any]:
    """``template`` with one to three fields replaced, dropped, or joined by an unknown one;
    half the time a field with plausible values of its own (dates, codes, enums) is chosen.
    ``plausible``: only such fields, only such values, so the result often gets far.

    Every drawn value is copied before it goes in: strategies hand out their constants
    themselves (``NASTY_SCALARS`` holds ``[]``, ``{}``), and a later round that mutated one in
    place would change what every later test case draws (Hypothesis then reports a flaky
    strategy, and the failure it was shrinking is lost)."""

    def fresh(strategy: st.SearchStrategy[Any]) -> Any:
        return copy.deepcopy(draw(strategy))

    body = copy.deepcopy(template)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = leaf_paths(body)
        known = [p for p in paths if isinstance(p[-1], str) and p[-1] in FIELD_VALUES]
        if plausible and known:
            path = draw(st.sampled_from(known))
            at(body, path[:-1])[path[-1]] = fresh(FIELD_VALUES[path[-1]])
            continue
        if not paths:
            break
        path = draw(st.sampled_from(known if known and draw(st.booleans()) else paths))
        parent, key = at(body, path[:-1]), path[-1]
        action = draw(st.sampled_from(("replace", "replace", "replace", "drop", "extra")))
        if action == "drop":
            del parent[key]
        elif action == "extra" and isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = fresh(JSON)
        else:
            parent[key] = fresh(values_for(key, parent[key]))
    return body


BODIES = st.one_of(
    st.builds(encode, JSON, st.booleans()),
    st.binary(max_size=80),
    st.just(b""),
    st.text(max_size=40).map(str.encode),
    st.builds(lambda v: b"\xef\xbb\xbf" + encode(v), JSON),  # a byte-order mark first
    st.builds(lambda v: encode(v)[:-1], JSON.filter(lambda v: encode(v) != b"")),  # cut short
)
PATH_TEXT = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(
        (
            "\x00",
            " ",
            ".",
            "..",
            "%",
            "%2F",
            "/",
            "a/b",
            "{}",
            "１２３",
            FULL_WIDTH_CODE,
            "lst_" + "0" * 32,
            "sub_" + "0" * 24,
            "agr_" + "0" * 16,
            "msg_" + "f" * 32,
            "a" * 1500,
        )
    ),
)
MONTHS = st.one_of(
    st.builds(
        "{:04d}-{:02d}".format,
        st.one_of(st.integers(min_value=0, max_value=9999), st.sampled_from((0, 1, 9998, 9999))),
        st.integers(min_value=0, max_value=13),
    ),
    st.sampled_from(
        ("2024-05", "２０２４-０５", "0000-01", "0001-01", "9999-12", "2024-5", "24-05", "²⁰²⁴-05")
    ),
)
SEQUENCES = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(("0", "1", "1000", "1001", "1000000000000", "1e3", "٣", "²", "１０", " 1")),
)
QUERY_VALUES = st.one_of(
    st.text(max_size=20), st.sampled_from(("", "\x00", "null", "４２００００", "42000"))
)


def _maybe(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly one of ``strategies``, sometimes random text, sometimes absent (None)."""
    return st.one_of(*strategies, *strategies, *strategies, *strategies, QUERY_VALUES, st.none())


QUERIES = st.builds(
    lambda known, extra: {**extra, **{k: v for k, v in known.items() if v is not None}},
    st.fixed_dictionaries(
        {
            "as": _maybe(st.sampled_from((HUBEI, HUNAN, DAYE, "４２００００", "000000"))),
            "subscriber": _maybe(st.sampled_from((HUBEI, HUNAN))),
            "region": st.one_of(st.sampled_from((HUBEI, HUNAN, DAYE)), QUERY_VALUES),
            "month": _maybe(MONTHS),
            "from": _maybe(SEQUENCES),
            "limit": _maybe(SEQUENCES),
            "state": _maybe(st.sampled_from(("delivered", "retrying", "dead", "DEAD"))),
        }
    ),
    st.dictionaries(st.text(min_size=1, max_size=8), QUERY_VALUES, max_size=2),
)


# --- fixed hostile bodies, and a wrong type in every known field, on every route ------------

HUGE_INTEGER = b"9" * 5000  # past Python's 4300-digit limit for int('...')
DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000
FIXED_BODIES: tuple[tuple[str, bytes], ...] = (
    ("empty", b""),
    ("null", b"null"),
    ("empty object", b"{}"),
    ("empty array", b"[]"),
    ("string", b'"x"'),
    ("not UTF-8", b"\xff\xfe\x00{"),
    ("truncated", b'{"region": "4'),
    ("NUL in a string", b'{"name": "a\\u0000b", "region": "\x00"}'),
    ("full-width digits", encode({"region": "４２００００", "from_sequence": "１"})),
    ("NaN and Infinity", b'{"from_sequence": NaN, "to_sequence": Infinity}'),
    ("huge float", b'{"from_sequence": 1e999999}'),
    ("huge integer value", b'{"from_sequence": ' + b"1" + b"0" * 400 + b"}"),
    ("integer of 5000 digits", HUGE_INTEGER),
    ("array nested 100000 deep", DEEP_ARRAY),
    ("object nested 5000 deep", DEEP_OBJECT),
    ("array nested 500 deep", b"[" * 500 + b"]" * 500),
)


def test_fixed_hostile_bodies_on_every_route_from_every_caller(world: World) -> None:
    failures: list[str] = []
    for route in ROUTES:
        path = path_of(route, default_params(world, route))
        for caller in CALLERS:
            for label, body in FIXED_BODIES:
                reply = world.send(route.method, path, body, caller)
                problem = world.problem(reply, f"{route} as {caller} with {label}")
                if problem:
                    failures.append(problem)
    assert_none(failures)


def test_every_known_field_with_every_wrong_type(world: World) -> None:
    """Each key of each route's valid body (nested ones too) replaced by each JSON type, or
    dropped, sent by one caller that gets past the route's authorization (a field's type is
    judged before who sent it matters; the fuzzing below sends every caller)."""
    failures: list[str] = []
    for route in BODY_ROUTES:
        assert route.body is not None
        path = path_of(route, default_params(world, route))
        for caller in route.callers[:1]:
            for field in leaf_paths(route.body(world, "b-x")):
                for value in (*WRONG_TYPES, "drop"):
                    msg_id = new_batch_id()
                    body = route.body(world, msg_id)
                    parent = at(body, field[:-1])
                    if value == "drop":
                        del parent[field[-1]]
                    else:
                        parent[field[-1]] = value
                    raw = encode(body)
                    headers = (
                        platform_headers(world.signer, route.method, path, raw, msg_id)
                        if caller == "platform"
                        else world.headers(caller, raw, route.method, path)
                    )
                    reply = world.send(route.method, path, raw, headers=headers)
                    what = f"{route} as {caller} with {'.'.join(map(str, field))}={value!r}"
                    problem = world.problem(reply, what)
                    if problem:
                        failures.append(problem)
    assert_none(failures)


# --- properties -----------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@FUZZ
@given(body=BODIES)
def test_random_bodies_on_every_route(world: World, caller: str, body: bytes) -> None:
    failures = []
    for route in ROUTES:
        reply = world.send(route.method, path_of(route, default_params(world, route)), body, caller)
        problem = world.problem(reply, f"{route} as {caller} with {body[:120]!r}")
        if problem:
            failures.append(problem)
    assert_none(failures)


@FUZZ
@given(data=st.data())
def test_mutated_valid_bodies_on_every_route(world: World, data: st.DataObject) -> None:
    """A valid body with a field replaced (a hostile or a plausible value), dropped, or an
    unknown one added, from each caller that gets past authorization."""
    failures = []
    for route in BODY_ROUTES:
        assert route.body is not None
        caller = data.draw(st.sampled_from(route.callers), label=f"{route} caller")
        msg_id = new_batch_id()
        body = data.draw(mutated(route.body(world, msg_id)), label=str(route))
        raw = encode(body, ensure_ascii=data.draw(st.booleans()))
        path = path_of(route, default_params(world, route))
        headers = (
            platform_headers(world.signer, route.method, path, raw, msg_id)
            if caller == "platform"
            else world.headers(caller, raw, route.method, path)
        )
        reply = world.send(route.method, path, raw, headers=headers)
        problem = world.problem(reply, f"{route} as {caller} with {raw[:300]!r}")
        if problem:
            failures.append(problem)
    assert_none(failures)


@FUZZ
@given(data=st.data())
def test_random_path_parameters(world: World, data: st.DataObject) -> None:
    """Each parameter an existing value or random text; sent percent-encoded through the local
    gateway, or decoded in the Lambda event as API Gateway delivers it."""
    failures = []
    for route in ROUTES:
        if not route.params:
            continue
        params = {
            name: data.draw(
                st.one_of(st.sampled_from(world.known(name)), PATH_TEXT), label=f"{route} {name}"
            )
            for name in route.params
        }
        decoded = data.draw(st.booleans(), label=f"{route} decoded")
        for caller in route.callers:
            headers, raw = body_for(world, route, caller, path_of(route, params))
            if decoded:
                reply = world.invoke(route, params, raw, caller)
            else:
                reply = world.send(route.method, path_of(route, params), raw, headers=headers)
            how = "decoded" if decoded else "percent-encoded"
            problem = world.problem(reply, f"{route} as {caller} with {how} {params!r}")
            if problem:
                failures.append(problem)
    assert_none(failures)


def test_an_empty_path_parameter_on_every_route_from_every_caller(world: World) -> None:
    """``/v1/subscriptions//deliveries``: an empty id reached DynamoDB as a key, a 500 on a
    console session's routes and the operator's alike (review 172)."""
    failures = []
    for route in ROUTES:
        # a trailing one leaves another path (``/v1/subjects/``): no route, the edge's answer
        inside = [name for name in route.params if not route.template.endswith("{" + name + "}")]
        for empty in inside:
            params = {name: "" if name == empty else world.known(name)[0] for name in route.params}
            for caller in route.callers:
                headers, raw = body_for(world, route, caller, path_of(route, params))
                reply = world.send(route.method, path_of(route, params), raw, headers=headers)
                problem = world.problem(reply, f"{route} as {caller} with {empty} empty")
                if problem:
                    failures.append(problem)
    assert_none(failures)


@FUZZ
@given(query=QUERIES)
def test_random_query_strings_on_every_route(world: World, query: dict[str, str]) -> None:
    failures = []
    for route in ROUTES:
        for caller in route.callers:
            path = path_of(route, default_params(world, route))
            target = path + ("?" + urlencode(query, quote_via=quote) if query else "")
            headers, raw = body_for(world, route, caller, target)
            reply = world.send(route.method, path, raw, query=query, headers=headers)
            problem = world.problem(reply, f"{route} as {caller} with query {query!r}")
            if problem:
                failures.append(problem)
    assert_none(failures)


SIGNATURE_HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "authorization": st.one_of(
            st.text(max_size=40), st.text(max_size=40).map("Bearer {}".format)
        ),
        "webhook-id": st.one_of(st.text(max_size=40), st.just(new_batch_id())),
        "webhook-timestamp": st.one_of(
            st.text(max_size=14),
            st.integers(min_value=-(10**15), max_value=10**15).map(str),
            st.just(str(int(datetime.now(UTC).timestamp()))),
            st.just("１７００００００００"),
        ),
        "webhook-signature": st.one_of(
            st.text(max_size=60),
            st.text(max_size=60).map("v1a,{}".format),
            st.sampled_from(("v1a,", "v1a,!!!", "v1a,AAAA v1,BBBB", ",", "v1a,=" * 3)),
        ),
        "x-credit-key-id": st.one_of(st.text(max_size=70), st.just("k-fuzz-1")),
    },
)


@FUZZ
@given(headers=SIGNATURE_HEADERS, data=st.data())
def test_random_credentials_on_every_route(
    world: World, headers: dict[str, str], data: st.DataObject
) -> None:
    """Broken bearer tokens and signature headers (the signer's key id included)."""
    sent = {"content-type": "application/json", **headers}
    if data.draw(st.booleans(), label="the real key id"):
        sent["x-credit-key-id"] = world.signer.key_id
    failures = []
    for route in ROUTES:
        path = path_of(route, default_params(world, route))
        _, raw = body_for(world, route, "anonymous", path)
        reply = world.send(route.method, path, raw, headers=sent)
        problem = world.problem(reply, f"{route} with headers {sent!r}")
        if problem:
            failures.append(problem)
    assert_none(failures)


def _removal(**overrides: Any) -> dict[str, Any]:
    entry = black_entry()
    removal = {
        "credit_code": entry["credit_code"],
        "kind": entry["kind"],
        "domain": entry["domain"],
        "deciding_authority": entry["deciding_authority"],
        "decision_number": entry["decision_number"],
        "reason": "revoked",
        "note": "",
        "source_updated_at": now_iso(),
        "source_sequence": 1,
    }
    removal.update(overrides)
    return removal


ENTRY_TEMPLATE = black_entry(
    responsible_persons=[
        {"name": "张三", "role": "legal_representative", "id_number": NATURAL_PERSON_CODE}
    ],
    origin_region=HUBEI,
    source_sequence=3,
    valid_until="2027-03-01",
)
ENTRIES = st.one_of(
    mutated(ENTRY_TEMPLATE, plausible=True),
    mutated(black_entry(decision_number="N-2"), plausible=True),
    mutated(ENTRY_TEMPLATE),
    JSON,
)
REMOVALS = st.one_of(mutated(_removal(), plausible=True), mutated(_removal()), JSON)


@FUZZ
@given(
    entries=st.lists(ENTRIES, min_size=1, max_size=4),
    removals=st.lists(REMOVALS, max_size=3),
)
def test_fuzzed_entries_and_removals_in_a_valid_signed_push(
    world: World, entries: list[Any], removals: list[Any]
) -> None:
    """Bad items are reported per item, never a 5xx; the same batch again gets the same answer,
    and what was stored can still be read and ticked over."""
    batch_id = new_batch_id()
    envelope = {
        "region": HUBEI,
        "batch_id": batch_id,
        "issued_at": now_iso(),
        "entries": entries,
        "removals": removals,
    }
    raw = encode(envelope)

    def push() -> Reply:
        headers = signed_headers(world.signer, batch_id, raw, datetime.now(UTC))
        return world.send("POST", "/v1/pushes", raw, headers=headers)

    first = push()
    check(world, first, f"push of {raw[:600]!r}")
    if first.status == 200:
        result = json.loads(first.body)
        for outcome in ("accepted", "duplicate", "removed", "rejected"):
            event(f"push: some {outcome}" if result[outcome] else f"push: none {outcome}")
    else:
        event(f"push: {first.status}")
    again = push()
    check(world, again, f"the same push again: {raw[:600]!r}")
    assert (again.status, json.loads(again.body)) == (first.status, json.loads(first.body))
    for caller in ("operator", "platform"):
        subject = world.send("GET", f"/v1/subjects/{CREDIT_CODE}", b"", caller)
        check(world, subject, f"GET the subject as {caller} after {raw[:600]!r}")
    check(world, world.send("POST", "/v1/tick", b"", "operator"), f"tick after {raw[:600]!r}")


# --- regression tests: the 5xx found above -------------------------------------------------
# Found at 1c5097d (line numbers below are that commit's); all are 4xx from 033b6b1 on.


def signed_post(world: World, path: str, body: dict[str, Any] | bytes) -> Reply:
    raw = body if isinstance(body, bytes) else encode(body)
    headers = platform_headers(world.signer, "POST", path, raw, new_batch_id())
    return world.send("POST", path, raw, headers=headers)


def signed_push(world: World, entries: list[Any], removals: list[Any] | None = None) -> Reply:
    batch_id = new_batch_id()
    raw = encode(
        {
            "region": HUBEI,
            "batch_id": batch_id,
            "issued_at": now_iso(),
            "entries": entries,
            "removals": removals or [],
        }
    )
    headers = signed_headers(world.signer, batch_id, raw, datetime.now(UTC))
    return world.send("POST", "/v1/pushes", raw, headers=headers)


def test_regression_a_body_json_cannot_parse_is_a_client_error(world: World) -> None:
    """parse_json (gateway/push.py:100) caught JSONDecodeError only: int() over 4300 digits
    raises ValueError, deep nesting RecursionError (every route that reads a JSON body)."""
    failures = []
    for label, body in (("integer of 5000 digits", HUGE_INTEGER), ("deep array", DEEP_ARRAY)):
        reply = world.send("PUT", f"/v1/regions/{HUNAN}", body, "operator")
        failures.append(world.problem(reply, f"PUT region with {label}"))
        reply = signed_post(world, "/v1/pushes", body)
        failures.append(world.problem(reply, f"signed push with {label}"))
    assert_none([f for f in failures if f])


def test_regression_a_webhook_url_urlsplit_rejects_is_a_client_error(world: World) -> None:
    """check_webhook_url (gateway/delivery/webhook_url.py): urlsplit raises ValueError."""
    failures = []
    for url in ("http://[::1/hook", "https://a\uff03b.example/hook"):  # ＃ is # under NFKC
        body = encode({"region": HUBEI, "url": url})
        failures.append(
            world.problem(world.send("POST", "/v1/subscriptions", body, "operator"), url)
        )
    assert_none([f for f in failures if f])


def test_regression_a_month_outside_the_calendar_is_a_client_error(world: World) -> None:
    """Month.parse accepted year 0000 and 9999-12; utc_range (gateway/stats.py:50) and
    last_day (:57) then raise ValueError."""
    failures = []
    for month in ("0000-01", "9999-12"):
        query = {"region": HUBEI, "month": month}
        reply = world.send("GET", "/v1/stats", caller="operator", query=query)
        failures.append(world.problem(reply, month))
    assert_none([f for f in failures if f])


FAR_OFFSET_MOMENTS = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00")


def test_regression_an_entry_stamped_at_the_end_of_time_leaves_no_batch_half_done(
    world: World,
) -> None:
    """version_of (gateway/listing.py:182) converts source_updated_at to UTC and overflows;
    the batch was archived and claimed first, so a retry got 409 batch_in_progress."""
    failures = []
    for moment in FAR_OFFSET_MOMENTS:
        batch_id = new_batch_id()
        entry = black_entry(decision_number="N-9", source_updated_at=moment)
        raw = encode(
            {"region": HUBEI, "batch_id": batch_id, "issued_at": now_iso(), "entries": [entry]}
        )
        replies = []
        for attempt in ("first", "retry"):
            headers = signed_headers(world.signer, batch_id, raw, datetime.now(UTC))
            replies.append(world.send("POST", "/v1/pushes", raw, headers=headers))
            failures.append(world.problem(replies[-1], f"{attempt} push at {moment}"))
        first, retry = replies
        if (retry.status, json.loads(retry.body)) != (first.status, json.loads(first.body)):
            failures.append(f"the retry at {moment} got {retry.status} {retry.body[:200]!r}")
    assert_none([f for f in failures if f])


def test_regression_a_removal_stamped_at_the_end_of_time_is_a_client_error(world: World) -> None:
    """Removal.version (gateway/lifecycle.py:79 -> gateway/listing.py:182) overflows."""
    failures = [
        world.problem(signed_push(world, [], [_removal(source_updated_at=moment)]), moment)
        for moment in FAR_OFFSET_MOMENTS
    ]
    assert_none([f for f in failures if f])


def test_regression_a_repair_stamped_at_the_end_of_time_is_a_client_error(world: World) -> None:
    """RepairRequest.version (gateway/lifecycle.py:79, from after() at :167) overflows."""
    path = f"/v1/subjects/{CREDIT_CODE}/listings/{world.listing_id}/repair"
    failures = [
        world.problem(signed_post(world, path, {"reason": "已履行", "source_updated_at": m}), m)
        for m in FAR_OFFSET_MOMENTS
    ]
    assert_none([f for f in failures if f])


def test_regression_a_decision_stamped_at_the_end_of_time_is_a_client_error(world: World) -> None:
    """ObjectionDecision.version (gateway/lifecycle.py:79, from after() at :167) overflows."""
    path = f"/v1/subjects/{CREDIT_CODE}/listings/{world.objected_id}/objections/o-1/decision"
    failures = [
        world.problem(signed_post(world, path, {"outcome": "upheld", "source_updated_at": m}), m)
        for m in FAR_OFFSET_MOMENTS
    ]
    assert_none([f for f in failures if f])


def test_regression_a_tick_at_the_end_of_time_is_a_client_error(world: World) -> None:
    """china_date (gateway/clock.py:13) of the injected clock's time overflows."""
    failures = []
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        reply = world.send("POST", "/v1/tick", encode({"at": moment}), "operator")
        failures.append(world.problem(reply, f"tick at {moment}"))
    assert_none([f for f in failures if f])


def test_regression_a_listing_valid_from_year_9999_does_not_break_the_tick_or_repair(
    world: World,
) -> None:
    """The push accepted valid_from 9999-12-31; _add_months (gateway/lifecycle.py:370) then
    builds a date past year 9999 for its publicity end (tick) and earliest repair (repair)."""
    entry = black_entry(decision_number="N-far", decided_on="9999-12-31", valid_from="9999-12-31")
    pushed = signed_push(world, [entry])
    check(world, pushed, "push")
    check(world, world.send("POST", "/v1/tick", b"", "operator"), "tick")
    for outcome in json.loads(pushed.body).get("outcomes", []):  # none if it was refused
        repair = f"/v1/subjects/{CREDIT_CODE}/listings/{outcome['listing_id']}/repair"
        reply = signed_post(world, repair, {"reason": "已履行", "source_updated_at": now_iso()})
        check(world, reply, "repair")


def test_regression_redriving_an_empty_delivery_id_is_a_client_error(world: World) -> None:
    """An empty id reached DynamoDB as a key (chalicelib/dynamodb/base.py:40): a
    ValidationException, i.e. botocore's ClientError."""
    path = f"/v1/subscriptions/{world.subscription_id}/redrive"
    body = encode({"delivery_ids": [""]})
    check(world, world.send("POST", path, body, "operator"), "redrive")


_PRISTINE_SCALARS = copy.deepcopy(NASTY_SCALARS)


@settings(max_examples=150, database=None, deadline=None)
@given(data=st.data())
def test_mutating_a_body_never_changes_what_the_strategies_hand_out(data: st.DataObject) -> None:
    """Else later test cases draw what earlier ones left, and Hypothesis reports a flaky
    strategy instead of the failure it found."""
    data.draw(mutated({"measures": [{"result": "executed", "note": ""}], "count": 1}))

    assert _PRISTINE_SCALARS == NASTY_SCALARS
