"""Who may call what: every route of ``app.py`` against every kind of caller, as one table.

The rules (README, and the issue): platforms authenticate by signature for pushes, uploads and
lifecycle actions and act for their own region only — a region's platform also for the regions
of its subtree (a province relays and acts on what its cities decided), never the other way
round; a subscriber manages only its own subscriptions (reads, changes, deletes, pauses, resumes,
re-keys and tries them; deliveries, replay, enable, verify), lists only its own region's, and
posts feedback only on deliveries it received, and objects only to listings it was delivered
(``subr`` received A's and the city's; ``B`` nothing); operator APIs (regions, keys, signing,
revising and ending agreements, re-drive, tick, overdue objections, checkpoints, filling the
person index, dating old listings for the due-date indexes) need the operator token — without
it, or with a wrong one, 401 ``operator_credentials_required``; a platform whose
signature verifies, 403 ``operator_only``; a dead key, what a push gets (403 ``unknown_key``).
``GET /v1/subjects/{code}`` of a natural person (the row's subject, listed by A) takes the
operator or a signature (anonymous: 401 ``personal_query_requires_signature``); resident IDs are
shown in full to the operator, the owner (A) and a region that recognises the listing (B, by
the agreement), masked to the others (test_personal_information.py has the full table). Its
trail (``…/trail``) is read by the operator and the listing's owner. ``POST /v1/checks`` of the
same code shows it as the query does, but only on a signature or the operator's credentials;
so does ``POST /v1/persons/query`` of the same number, which the person's listing also names as
its responsible person (落实到人).

Columns (``access_support.ROLES``): ``anon`` no credentials · ``op`` the operator's token ·
``tok`` a wrong operator token · ``A`` a key of 湖北 (420000) · ``sub`` a key of 黄石 (420200),
a city under A · ``B`` a key of 湖南 (430000), unrelated · ``subr`` a key of 广东 (440000), the
owner of subscription S · ``rev`` / ``exp`` / ``fut`` keys of A revoked, expired, not yet valid.

Rows address A's things — A's batch and upload, A's listings (an objection open where one is
decided), A's region and keys, S and a delivery to S, B's agreement with A — or, marked ``@sub``,
the city's listings and statistics, which A may act on too. ``L`` is
``/v1/subjects/{credit_code}/listings/{listing_id}``, ``S`` ``/v1/subscriptions/{subscription_id}``.
``POST S/redrive`` is the operator's (its owner sees its dead letters and may ``enable``, not
re-drive); ``GET /v1/agreements`` is public on purpose — agreements are published policy, and
reading them is not managing them; ``GET /v1/log`` takes the operator or any signing platform
(the README's ``verify-log`` signs it), checkpoints are public.

Cells:
  ``ok``    allowed: the route's success status (``CALLS``), never 401 / 403
  ``full``  allowed, resident IDs shown (200)
  ``mask``  allowed, resident IDs masked (200)
  ``pub``   a public route given credentials that do not verify: answered as to anyone (200,
            IDs masked) or refused (401 / 403), never more than to anyone
  ``401``   refused: no credentials, or a token or signature that does not verify
  ``403``   refused: a verified caller without the right (the README's push table also gives
            a revoked, expired or not-yet-valid key 403 ``unknown_key``)
  ``no``    refused, 401 or 403 — the rules leave which open: the operator on a route that
            only takes a signature (README: 401 ``missing_signature``; "a valid caller without
            the right": 403)

On an operator route (``op`` ok, every valid key 403) a refusal must also carry its code:
``operator_credentials_required`` for ``anon`` and ``tok``, ``operator_only`` for a valid key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from access_support import (
    ROLES,
    SPARE_KEY_ID,
    SUB,
    SUBSCRIBER,
    A,
    B,
    World,
    fresh_entry,
    open_world,
    push_body,
    upload_manifest,
)
from app_support import CREDIT_CODE, NATURAL_PERSON_CODE, agreement_terms, new_batch_id
from chalice.test import HTTPResponse
from lifecycle_support import china_today, removal_of, stamp, this_month

import app as gateway_app
from gateway_client.contract import ListingEntry

LISTING = "/v1/subjects/{credit_code}/listings/{listing_id}"
PERSON = f"/v1/subjects/{NATURAL_PERSON_CODE}"
SUBSCRIPTION = "/v1/subscriptions/{subscription_id}"

# fmt: off
MATRIX = """
                                                 anon op   tok  A    sub  B    subr rev  exp  fut
POST   /v1/pushes                                401  no   401  ok   403  403  403  403  403  403
POST   /v1/uploads                               401  no   401  ok   403  403  403  403  403  403
GET    /v1/regions/{code}/uploads/{upload_id}    401  ok   401  ok   403  403  403  403  403  403
GET    /v1/regions/{code}/uploads                401  ok   401  ok   403  403  403  403  403  403
GET    /v1/subjects/{credit_code}                401  full 401  full mask full mask pub  pub  pub
GET    /v1/subjects/{credit_code}/trail          401  ok   401  ok   403  403  403  403  403  403
POST   /v1/checks                                401  full 401  full mask full mask 403  403  403
POST   /v1/persons/query                         401  full 401  full mask full mask 403  403  403
POST   /v1/persons/reindex                       401  ok   401  403  403  403  403  403  403  403
POST   /v1/subscriptions                         401  ok   401  403  403  403  ok   403  403  403
GET    /v1/keys                                  ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
PUT    /v1/regions/{code}                        401  ok   401  403  403  403  403  403  403  403
POST   /v1/regions/{code}/keys                   401  ok   401  403  403  403  403  403  403  403
GET    /v1/regions/{code}/keys                   401  ok   401  403  403  403  403  403  403  403
DELETE /v1/regions/{code}/keys/{key_id}          401  ok   401  403  403  403  403  403  403  403
POST   /v1/agreements                            401  ok   401  403  403  403  403  403  403  403
GET    /v1/agreements                            ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
PUT    /v1/agreements/{agreement_id}             401  ok   401  403  403  403  403  403  403  403
DELETE /v1/agreements/{agreement_id}             401  ok   401  403  403  403  403  403  403  403
POST   L/objections                              401  ok   401  ok   403  403  ok   403  403  403
POST   L/objections @sub                         401  ok   401  ok   ok   403  ok   403  403  403
POST   L/objections/{objection_id}/verified      401  ok   401  ok   403  403  403  403  403  403
POST   L/objections/{objection_id}/verified @sub 401  ok   401  ok   ok   403  403  403  403  403
POST   L/objections/{objection_id}/decision      401  ok   401  ok   403  403  403  403  403  403
POST   L/objections/{objection_id}/decision @sub 401  ok   401  ok   ok   403  403  403  403  403
POST   L/repair                                  401  ok   401  ok   403  403  403  403  403  403
POST   L/repair @sub                             401  ok   401  ok   ok   403  403  403  403  403
POST   L/reassignment                            401  ok   401  403  403  403  403  403  403  403
POST   L/performance                             401  ok   401  403  403  403  403  403  403  403
GET    /v1/commitments/overdue                   401  ok   401  ok   ok   ok   ok   403  403  403
GET    /v1/objections/overdue                    401  ok   401  403  403  403  403  403  403  403
POST   /v1/listings/due/backfill                 401  ok   401  403  403  403  403  403  403  403
POST   /v1/deliveries/shards/backfill            401  ok   401  403  403  403  403  403  403  403
POST   /v1/tick                                  401  ok   401  403  403  403  403  403  403  403
POST   /v1/stream-failures/redrive               401  ok   401  403  403  403  403  403  403  403
POST   /v1/feedback                              401  no   401  403  403  403  ok   403  403  403
GET    L/feedback                                401  ok   401  ok   403  403  403  403  403  403
GET    L/feedback @sub                           401  ok   401  ok   ok   403  403  403  403  403
GET    /v1/stats                                 401  ok   401  ok   403  403  403  403  403  403
GET    /v1/stats @sub                            401  ok   401  ok   ok   403  403  403  403  403
POST   /v1/stats/rebuild                         401  ok   401  403  403  403  403  403  403  403
GET    /v1/activity                              401  ok   401  ok   ok   ok   ok   403  403  403
GET    /v1/subscriptions                         401  ok   401  ok   ok   ok   ok   403  403  403
GET    S                                         401  ok   401  403  403  403  ok   403  403  403
PATCH  S                                         401  ok   401  403  403  403  ok   403  403  403
DELETE S                                         401  ok   401  403  403  403  ok   403  403  403
POST   S/pause                                   401  ok   401  403  403  403  ok   403  403  403
POST   S/resume                                  401  ok   401  403  403  403  ok   403  403  403
POST   S/rotate-secret                           401  ok   401  403  403  403  ok   403  403  403
POST   S/test                                    401  ok   401  403  403  403  ok   403  403  403
POST   S/replay                                  401  ok   401  403  403  403  ok   403  403  403
GET    S/deliveries                              401  ok   401  403  403  403  ok   403  403  403
POST   S/redrive                                 401  ok   401  403  403  403  403  403  403  403
POST   S/enable                                  401  ok   401  403  403  403  ok   403  403  403
POST   S/verify                                  401  ok   401  403  403  403  ok   403  403  403
GET    /v1/deliveries/{delivery_id}              401  ok   401  403  403  403  ok   403  403  403
GET    /v1/deliveries/{delivery_id}/body         401  ok   401  403  403  403  ok   403  403  403
GET    /v1/regions                               401  ok   401  ok   ok   ok   ok   403  403  403
GET    /v1/measures                              401  ok   401  ok   ok   ok   ok   403  403  403
GET    /v1/log                                   401  ok   401  ok   ok   ok   ok   403  403  403
GET    /v1/log/checkpoints                       ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
GET    /v1/log/checkpoint                        ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
GET    /v1/log/vkey                              ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
GET    /v1/log/tile                              401  ok   401  ok   ok   ok   ok   403  403  403
GET    /v1/log/proof                             401  ok   401  ok   ok   ok   ok   403  403  403
POST   /v1/log/checkpoints                       401  ok   401  403  403  403  403  403  403  403
GET    /v1/openapi.json                          ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
GET    /v1/docs                                  ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
GET    /v1/docs/redoc.standalone.js              ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
GET    /console                                  ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
GET    /console/{asset}                          ok   ok   pub  ok   ok   ok   ok   pub  pub  pub
POST   /v1/console/sessions                      401  ok   401  ok   ok   ok   ok   403  403  403
GET    /v1/console/session                       401  401  401  401  401  401  401  401  401  401
DELETE /v1/console/session                       401  401  401  401  401  401  401  401  401  401
POST   /v1/console/handoffs                      401  401  401  401  401  401  401  401  401  401
DELETE /v1/console/sessions                      401  ok   401  ok   ok   ok   ok   403  403  403
"""
# fmt: on

SYMBOLS = {
    "ok": "allowed",
    "full": "allowed with resident IDs shown",
    "mask": "allowed with resident IDs masked",
    "pub": "answered as to anyone (IDs masked) or refused",
    "401": "refused as unauthenticated",
    "403": "refused as forbidden",
    "no": "refused (401 or 403)",
}


@dataclass(frozen=True)
class Row:
    method: str
    template: str
    variant: str  # "" or "@sub"
    cells: dict[str, str]  # role → symbol

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}" + (f" {self.variant}" if self.variant else "")


def _expand(path: str) -> str:
    if path.startswith("L/"):
        return LISTING + path[1:]
    if path == "S" or path.startswith("S/"):
        return SUBSCRIPTION + path[1:]
    return path


def _parse(table: str) -> list[Row]:
    header, *lines = [line for line in table.splitlines() if line.strip()]
    columns = header.split()
    assert columns == list(ROLES), f"matrix columns {columns} are not {list(ROLES)}"
    rows = []
    for line in lines:
        method, path, *rest = line.split()
        variant = rest.pop(0) if rest and rest[0].startswith("@") else ""
        assert len(rest) == len(columns), f"{line!r}: {len(rest)} cells for {len(columns)} roles"
        unknown = set(rest) - set(SYMBOLS)
        assert not unknown, f"{line!r}: unknown cells {unknown}"
        cells = {ROLES[c]: symbol for c, symbol in zip(columns, rest, strict=True)}
        rows.append(Row(method, _expand(path), variant, cells))
    labels = [row.label for row in rows]
    assert len(set(labels)) == len(labels), "a route appears twice in the matrix"
    return rows


ROWS = _parse(MATRIX)


# --- how each row is called: the path it addresses, the body, the success statuses ----------

Request = Callable[[World, str], tuple[str, Any]]  # (world, message id) → (path, JSON body)


@dataclass(frozen=True)
class Call:
    request: Request
    success: frozenset[int]


def call(request: Request, *success: int) -> Call:
    return Call(request, frozenset(success))


def listing(name: str, suffix: str = "", body: Callable[[], Any] | None = None) -> Request:
    def request(world: World, msg_id: str) -> tuple[str, Any]:
        path = f"/v1/subjects/{CREDIT_CODE}/listings/{world.listings[name]}{suffix}"
        return path, body() if body else None

    return request


def subscription(suffix: str = "", body: Any = None) -> Request:
    return lambda world, msg_id: (f"/v1/subscriptions/{world.subscription_id}{suffix}", body)


def fresh_subscription(suffix: str, **request: Any) -> Request:
    """A subscription of SUBSCRIBER made for the cell alone (the call deletes or re-keys it)."""

    def make(world: World, msg_id: str) -> tuple[str, Any]:
        made = world.gateway.subscribe_as_operator(
            region=SUBSCRIBER, url="http://127.0.0.1:9/hook", **request
        )
        assert made.status_code == 201, made.json_body
        return f"/v1/subscriptions/{made.json_body['subscription_id']}{suffix}", None

    return make


def fixed(path: str, body: Any = None) -> Request:
    return lambda world, msg_id: (path, body)


def objection() -> dict[str, Any]:
    return {"objection_id": "o-matrix", "reason": "主体对认定事实有异议"}


def decision() -> dict[str, Any]:
    return {"outcome": "upheld", "note": "经核查", "source_updated_at": stamp()}


def verified() -> dict[str, Any]:
    return {"note": "已核实", "source_updated_at": stamp()}


def repair() -> dict[str, Any]:
    return {"reason": "已履行全部义务并完成整改", "source_updated_at": stamp()}


def new_key(world: World, msg_id: str) -> tuple[str, Any]:
    body = {"key_id": f"k-a-{msg_id[-12:]}", "public_key": world.gateway.public_key}
    return f"/v1/regions/{A}/keys", body


def feedback(world: World, msg_id: str) -> tuple[str, Any]:
    measure = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": stamp()[:10],
        "result": "not_applicable",  # S does not recognise A's listing: nothing to execute
    }
    return "/v1/feedback", {"delivery_id": world.delivery_id, "measures": [measure]}


def reassignment(world: World, msg_id: str) -> tuple[str, Any]:
    """A's listing ``a_reassign`` given to B, with the content it holds."""
    lid = world.listings["a_reassign"]
    found = world.send("operator", "GET", f"/v1/subjects/{CREDIT_CODE}?purpose=supervision")
    [held] = [
        v["listing"] for v in found.json_body["listings"] if v["listing"]["listing_id"] == lid
    ]
    entry = {k: v for k, v in held.items() if k in ListingEntry.model_fields}
    body = {"corrected_entry": {**entry, "origin_region": B}, "note": "认定部门属湖南"}
    return f"/v1/subjects/{CREDIT_CODE}/listings/{lid}/reassignment", body


def performance(world: World, msg_id: str) -> tuple[str, Any]:
    """A's listing ``a_performed``, removed as performed on its decision's day: today instead."""
    lid = world.listings["a_performed"]
    body = {"performed_on": china_today().isoformat(), "note": "履行日期更正"}
    return f"/v1/subjects/{CREDIT_CODE}/listings/{lid}/performance", body


DECIDE = "/objections/o-open/decision"
VERIFIED = "/objections/o-open/verified"  # before the decision's row: a decided one is closed

CALLS: dict[str, Call] = {
    "POST /v1/pushes": call(
        lambda w, msg_id: ("/v1/pushes", push_body(A, msg_id, [fresh_entry()])), 200
    ),
    "POST /v1/uploads": call(
        lambda w, msg_id: ("/v1/uploads", upload_manifest(A, msg_id)), 201, 200
    ),
    "GET /v1/regions/{code}/uploads/{upload_id}": call(
        lambda w, msg_id: (f"/v1/regions/{A}/uploads/{w.upload_id()}", None), 200
    ),
    "GET /v1/regions/{code}/uploads": call(fixed(f"/v1/regions/{A}/uploads"), 200),
    "GET /v1/subjects/{credit_code}": call(fixed(f"{PERSON}?purpose=supervision"), 200),
    "GET /v1/subjects/{credit_code}/trail": call(fixed(f"{PERSON}/trail"), 200),
    "POST /v1/checks": call(
        fixed("/v1/checks", {"codes": [NATURAL_PERSON_CODE], "purpose": "supervision"}), 200
    ),
    "POST /v1/persons/query": call(
        fixed("/v1/persons/query", {"id_number": NATURAL_PERSON_CODE, "purpose": "supervision"}),
        200,
    ),
    "POST /v1/persons/reindex": call(fixed("/v1/persons/reindex", {}), 200),
    "POST /v1/subscriptions": call(
        fixed("/v1/subscriptions", {"region": SUBSCRIBER, "url": "http://127.0.0.1:9/hook"}), 201
    ),
    "GET /v1/keys": call(fixed("/v1/keys"), 200),
    "PUT /v1/regions/{code}": call(fixed(f"/v1/regions/{A}", {"name": "湖北省"}), 200),
    "POST /v1/regions/{code}/keys": call(new_key, 201),
    "GET /v1/regions/{code}/keys": call(fixed(f"/v1/regions/{A}/keys"), 200),
    "DELETE /v1/regions/{code}/keys/{key_id}": call(
        fixed(f"/v1/regions/{A}/keys/{SPARE_KEY_ID}"), 200
    ),
    "POST /v1/agreements": call(fixed("/v1/agreements", agreement_terms()), 201),
    "GET /v1/agreements": call(fixed("/v1/agreements"), 200),
    "PUT /v1/agreements/{agreement_id}": call(
        lambda w, msg_id: (f"/v1/agreements/{w.agreement_id}", agreement_terms()), 200
    ),
    "DELETE /v1/agreements/{agreement_id}": call(
        lambda w, msg_id: (f"/v1/agreements/{w.agreement_id}", None), 200
    ),
    # the first allowed caller files it (201), the same region again replays it (200), any
    # other allowed region repeating its id is past the access check: 409 objection_id_reused
    f"POST {LISTING}/objections": call(
        listing("a_objection", "/objections", objection), 201, 200, 409
    ),
    f"POST {LISTING}/objections @sub": call(
        listing("sub_objection", "/objections", objection), 201, 200, 409
    ),
    f"POST {LISTING}/objections/{{objection_id}}/verified": call(
        listing("a_decision", VERIFIED, verified), 200
    ),
    f"POST {LISTING}/objections/{{objection_id}}/verified @sub": call(
        listing("sub_decision", VERIFIED, verified), 200
    ),
    f"POST {LISTING}/objections/{{objection_id}}/decision": call(
        listing("a_decision", DECIDE, decision), 200
    ),
    f"POST {LISTING}/objections/{{objection_id}}/decision @sub": call(
        listing("sub_decision", DECIDE, decision), 200
    ),
    f"POST {LISTING}/repair": call(listing("a_repair", "/repair", repair), 200),
    f"POST {LISTING}/repair @sub": call(listing("sub_repair", "/repair", repair), 200),
    f"POST {LISTING}/reassignment": call(reassignment, 200),
    f"POST {LISTING}/performance": call(performance, 200),
    "GET /v1/objections/overdue": call(fixed("/v1/objections/overdue"), 200),
    "GET /v1/commitments/overdue": call(fixed("/v1/commitments/overdue"), 200),
    "POST /v1/listings/due/backfill": call(fixed("/v1/listings/due/backfill", {}), 200),
    "POST /v1/deliveries/shards/backfill": call(fixed("/v1/deliveries/shards/backfill", {}), 200),
    "POST /v1/tick": call(fixed("/v1/tick", {}), 200),
    "POST /v1/stream-failures/redrive": call(fixed("/v1/stream-failures/redrive", {}), 200),
    "POST /v1/feedback": call(feedback, 201),
    f"GET {LISTING}/feedback": call(listing("a_delivered", "/feedback"), 200),
    f"GET {LISTING}/feedback @sub": call(listing("sub_objection", "/feedback"), 200),
    "GET /v1/stats": call(lambda w, m: (f"/v1/stats?region={A}&month={this_month()}", None), 200),
    "GET /v1/stats @sub": call(
        lambda w, m: (f"/v1/stats?region={SUB}&month={this_month()}", None), 200
    ),
    "POST /v1/stats/rebuild": call(fixed(f"/v1/stats/rebuild?since={this_month()}", {}), 200),
    "GET /v1/activity": call(fixed("/v1/activity"), 200),
    "GET /v1/subscriptions": call(fixed("/v1/subscriptions"), 200),
    f"GET {SUBSCRIPTION}": call(subscription(), 200),
    f"PATCH {SUBSCRIPTION}": call(subscription("", {"description": "广东省信用平台"}), 200),
    f"DELETE {SUBSCRIPTION}": call(fresh_subscription(""), 200),
    f"POST {SUBSCRIPTION}/pause": call(subscription("/pause"), 200),
    f"POST {SUBSCRIPTION}/resume": call(subscription("/resume"), 200),
    f"POST {SUBSCRIPTION}/rotate-secret": call(
        fresh_subscription("/rotate-secret", signature_scheme="v1"), 200
    ),
    f"POST {SUBSCRIPTION}/test": call(subscription("/test"), 200),
    f"POST {SUBSCRIPTION}/replay": call(subscription("/replay", {"from_sequence": 1}), 202),
    f"GET {SUBSCRIPTION}/deliveries": call(subscription("/deliveries"), 200),
    f"POST {SUBSCRIPTION}/redrive": call(subscription("/redrive", {}), 202),
    f"POST {SUBSCRIPTION}/enable": call(subscription("/enable", {"redeliver_missed": False}), 200),
    f"POST {SUBSCRIPTION}/verify": call(subscription("/verify"), 200),
    "GET /v1/deliveries/{delivery_id}": call(
        lambda w, msg_id: (f"/v1/deliveries/{w.delivery_id}", None), 200
    ),
    "GET /v1/deliveries/{delivery_id}/body": call(
        lambda w, msg_id: (f"/v1/deliveries/{w.delivery_id}/body", None), 200
    ),
    "GET /v1/regions": call(fixed("/v1/regions"), 200),
    "GET /v1/measures": call(fixed("/v1/measures"), 200),
    "GET /v1/log": call(fixed("/v1/log?from=1"), 200),
    "GET /v1/log/checkpoints": call(fixed("/v1/log/checkpoints"), 200),
    # 404 until something is logged: the world may hold no fanned-out change
    "GET /v1/log/checkpoint": call(fixed("/v1/log/checkpoint"), 200, 404),
    "GET /v1/log/vkey": call(fixed("/v1/log/vkey"), 200),
    "GET /v1/log/tile": call(fixed("/v1/log/tile?path=tile/0/000.p/1"), 200, 404),
    "GET /v1/log/proof": call(fixed("/v1/log/proof?size=1&index=0"), 200, 404),
    "POST /v1/log/checkpoints": call(fixed("/v1/log/checkpoints"), 201, 200),
    "GET /v1/openapi.json": call(fixed("/v1/openapi.json"), 200),
    "GET /v1/docs": call(fixed("/v1/docs"), 200),
    "GET /v1/docs/redoc.standalone.js": call(fixed("/v1/docs/redoc.standalone.js"), 200),
    "GET /console": call(fixed("/console"), 200),
    "GET /console/{asset}": call(fixed("/console/console.js"), 200),
    # a session or a hand-off code itself is needed by three (test_console_sessions.py)
    "POST /v1/console/sessions": call(fixed("/v1/console/sessions", {}), 201),
    "GET /v1/console/session": call(fixed("/v1/console/session"), 200),
    "DELETE /v1/console/session": call(fixed("/v1/console/session"), 200),
    "POST /v1/console/handoffs": call(
        fixed("/v1/console/handoffs", {"code": "cgh_" + "a" * 43}), 201
    ),
    "DELETE /v1/console/sessions": call(fixed("/v1/console/sessions"), 200),
}
assert set(CALLS) == {row.label for row in ROWS}, set(CALLS) ^ {row.label for row in ROWS}


# --- judging a reply against a cell -----------------------------------------------------------


def _error_code(response: HTTPResponse) -> str:
    try:
        return str(json.loads(response.body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def _shows_resident_id(response: HTTPResponse) -> bool:
    return NATURAL_PERSON_CODE in response.body.decode("utf-8", "replace")


def fits(symbol: str, response: HTTPResponse, success: frozenset[int]) -> bool:
    status = response.status_code
    if symbol == "ok":
        return status in success
    if symbol == "full":
        return status in success and _shows_resident_id(response)
    if symbol == "mask":
        return status in success and not _shows_resident_id(response)
    if symbol == "pub":
        refused = status in (401, 403)
        return refused or (status in success and not _shows_resident_id(response))
    if symbol == "no":
        return status in (401, 403)
    return status == int(symbol)


BAD_CREDENTIALS = {
    "missing_signature",
    "invalid_signature",
    "timestamp_out_of_window",
    "unknown_key",
    "unknown_region",
}
VALID_KEYS = {"platform_a", "platform_sub", "platform_b", "subscriber"}
DEAD_KEYS = {"revoked_a", "expired_a", "future_a"}


# On an operator route: who is refused with which code (a dead key: ``unknown_key``, below).
OPERATOR_REFUSALS = {
    "anonymous": "operator_credentials_required",
    "wrong_token": "operator_credentials_required",
    **dict.fromkeys(VALID_KEYS, "operator_only"),
}


def is_operator_route(row: Row) -> bool:
    """The operator may, and no valid platform key may, whatever its region."""
    return row.cells["operator"] == "ok" and all(row.cells[role] == "403" for role in VALID_KEYS)


def refused_for_the_wrong_reason(row: Row, role: str, symbol: str, response: HTTPResponse) -> bool:
    """A refusal must be about the cell's point: a valid key is never refused as a bad
    credential (else its 403 cells would pass by accident), and where a signed route refuses a
    dead key of A, it is for the key (README: 403 ``unknown_key``), not for A's rights. An
    operator route refuses the missing or wrong token as ``operator_credentials_required`` and
    a valid key as ``operator_only``."""
    code = _error_code(response)
    if response.status_code not in (401, 403):
        return False
    if is_operator_route(row) and role in OPERATOR_REFUSALS:
        return code != OPERATOR_REFUSALS[role]
    if role in VALID_KEYS:
        return code in BAD_CREDENTIALS
    return role in DEAD_KEYS and symbol == "403" and code != "unknown_key"


def _in_app() -> set[tuple[str, str]]:
    return {(m, path) for path, entries in gateway_app.app.routes.items() for m in entries}


# --- the matrix -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with open_world() as built:
        yield built


CELLS = [
    pytest.param(row, role, id=f"{role}-{row.label}") for row in ROWS for role in ROLES.values()
]


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_access(world: World, row: Row, role: str) -> None:
    planned = CALLS[row.label]
    msg_id = new_batch_id()
    path, body = planned.request(world, msg_id)
    response = world.send(role, row.method, path, body, msg_id)

    symbol = row.cells[role]
    if not fits(symbol, response, planned.success) or refused_for_the_wrong_reason(
        row, role, symbol, response
    ):
        pytest.fail(
            f"{row.label} as {role}: expected {symbol} ({SYMBOLS[symbol]}), "
            f"got {response.status_code} {_error_code(response)}".rstrip(),
            pytrace=False,
        )
    # whatever it answers and to whom, never sniffed by a browser (review 49: a signed note and
    # the API document went without)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", row.label


def test_the_operator_routes_are_the_operator_apis() -> None:
    """Re-drive is the operator's; reading the agreements is public, managing them is not."""
    assert {row.label for row in ROWS if is_operator_route(row)} == {
        "PUT /v1/regions/{code}",
        "POST /v1/regions/{code}/keys",
        "GET /v1/regions/{code}/keys",
        "DELETE /v1/regions/{code}/keys/{key_id}",
        "POST /v1/agreements",
        "PUT /v1/agreements/{agreement_id}",
        "DELETE /v1/agreements/{agreement_id}",
        "GET /v1/objections/overdue",
        "POST /v1/tick",
        "POST /v1/stream-failures/redrive",
        f"POST {SUBSCRIPTION}/redrive",
        "POST /v1/log/checkpoints",
        "POST /v1/persons/reindex",
        "POST /v1/stats/rebuild",
        "POST /v1/listings/due/backfill",
        "POST /v1/deliveries/shards/backfill",
        f"POST {LISTING}/reassignment",
        f"POST {LISTING}/performance",
    }


def test_the_matrix_covers_every_route_of_the_app() -> None:
    in_table = {(row.method, row.template) for row in ROWS}
    missing = sorted(_in_app() - in_table)
    assert not missing, "routes without a row in the access matrix: " + ", ".join(
        f"{method} {path}" for method, path in missing
    )
    stale = sorted(in_table - _in_app())
    assert not stale, "matrix rows for routes the app does not have: " + ", ".join(
        f"{method} {path}" for method, path in stale
    )


# --- relaying: a region acts for its subtree, never for its parent or a neighbour ------------

RELAYS = [
    pytest.param("platform_a", A, SUB, "accepted", id="platform_a-relays-its-city"),
    pytest.param("platform_sub", SUB, SUB, "accepted", id="platform_sub-lists-its-own"),
    pytest.param("platform_sub", SUB, A, "region_not_permitted", id="platform_sub-for-province"),
    pytest.param("platform_b", B, SUB, "region_not_permitted", id="platform_b-for-A's-city"),
    pytest.param("platform_a", A, B, "region_not_permitted", id="platform_a-for-B"),
]


@pytest.mark.parametrize(("role", "region", "origin", "outcome"), RELAYS)
def test_a_push_may_list_for_the_pushers_subtree_only(
    world: World, role: str, region: str, origin: str, outcome: str
) -> None:
    batch_id = new_batch_id()
    body = push_body(region, batch_id, [fresh_entry(origin_region=origin)])

    reply = world.send(role, "POST", "/v1/pushes", body, batch_id)

    assert reply.status_code == 200, reply.json_body
    if outcome == "accepted":
        assert reply.json_body["accepted"] == 1, reply.json_body
    else:
        assert [e["code"] for e in reply.json_body["errors"]] == [outcome], reply.json_body


REMOVALS = [
    pytest.param("platform_sub", "platform_a", A, "removed", id="platform_a-removes-its-citys"),
    pytest.param("platform_a", "platform_sub", SUB, "not_listing_owner", id="sub-removes-A's"),
    pytest.param("platform_sub", "platform_b", B, "not_listing_owner", id="B-removes-sub's"),
]


@pytest.mark.parametrize(("owner", "remover", "region", "outcome"), REMOVALS)
def test_a_removal_ends_listings_of_the_removers_subtree_only(
    world: World, owner: str, remover: str, region: str, outcome: str
) -> None:
    entry = fresh_entry()
    world.pushed(owner, {"platform_a": A, "platform_sub": SUB}[owner], [entry])
    batch_id = new_batch_id()
    body = push_body(region, batch_id, [], [removal_of(entry, "revoked")])

    reply = world.send(remover, "POST", "/v1/pushes", body, batch_id)

    assert reply.status_code == 200, reply.json_body
    if outcome == "removed":
        assert reply.json_body["removed"] == 1, reply.json_body
    else:
        assert [e["code"] for e in reply.json_body["errors"]] == [outcome], reply.json_body
