"""Console sessions (``POST /v1/console/sessions``): a region's token reads what that region's
signature reads and runs its subscriptions' delivery actions — nothing that writes lists, keys or
endpoints, nothing of another region — and stops with sign-out or the revocation of its key."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from app_support import (
    CITY,
    HUNAN,
    NATURAL_PERSON_CODE,
    Gateway,
    Receiver,
    black_entry,
    error_code,
)

from chalicelib import bootstrap
from chalicelib.console_api import accepts_session
from chalicelib.openapi import OPERATIONS
from chalicelib.route_spec import Operation
from gateway.intake import Upload, UploadManifest, UploadStatus
from gateway_client.contract.signing import Ed25519Signer

GUANGDONG = "440000"
PLACEHOLDERS = {"code": HUNAN, "credit_code": "91230900MA1B2C3D4E"}


def open_session(gateway: Gateway, signer: Ed25519Signer, **body: Any) -> Any:
    raw = json.dumps(body).encode() if body else b""
    return gateway.post_signed("/v1/console/sessions", signer, None, raw)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def as_session(gateway: Gateway, token: str, method: str, path: str, body: Any = None) -> Any:
    raw = b"" if body is None else json.dumps(body).encode()
    return gateway.client.http.request(method, path, headers=bearer(token), body=raw)


@pytest.fixture
def hunan(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(HUNAN)


@pytest.fixture
def token(gateway: Gateway, hunan: Ed25519Signer) -> str:
    opened = open_session(gateway, hunan)
    assert opened.status_code == 201, opened.json_body
    return str(opened.json_body["token"])


def subscribe(gateway: Gateway, region: str, url: str) -> str:
    reply = gateway.subscribe_as_operator(region=region, url=url)
    assert reply.status_code == 201, reply.json_body
    return str(reply.json_body["subscription_id"])


def test_a_signed_request_opens_a_region_session_that_says_who_it_is(
    gateway: Gateway, hunan: Ed25519Signer
) -> None:
    opened = open_session(gateway, hunan, ttl_minutes=30)

    assert opened.status_code == 201
    body = opened.json_body
    assert body["token"].startswith("cgs_")
    assert (body["role"], body["region"], body["key_id"]) == ("region", HUNAN, hunan.key_id)
    shown = as_session(gateway, body["token"], "GET", "/v1/console/session")
    assert shown.status_code == 200
    assert shown.json_body == {k: v for k, v in body.items() if k not in ("token", "handoff")}


def test_the_operator_opens_an_operator_session(gateway: Gateway) -> None:
    opened = gateway.client.http.post(
        "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
    )
    assert opened.status_code == 201
    assert (opened.json_body["role"], opened.json_body["region"]) == ("operator", None)
    overdue = as_session(gateway, opened.json_body["token"], "GET", "/v1/objections/overdue")
    assert overdue.status_code == 200  # an operator-only read


@pytest.mark.parametrize(
    ("headers", "body", "status", "code", "path"),
    [
        ({}, b"", 401, "missing_signature", None),
        ({"Authorization": "Bearer wrong"}, b"", 401, "missing_signature", None),
        (None, b'{"ttl_minutes": 1}', 400, "invalid_schema", "ttl_minutes"),
        (None, b'{"ttl_minutes": 100000}', 400, "invalid_schema", "ttl_minutes"),
        (None, b'{"ttl_minutes": 30, "role": "operator"}', 400, "invalid_schema", "role"),
        (None, b"[", 400, "malformed_json", None),
        (None, b'{"ttl_minutes": "60"}', 400, "invalid_schema", "ttl_minutes"),
        (None, b'{"handoff": "yes"}', 400, "invalid_schema", "handoff"),
    ],
)
def test_refused_openings_open_nothing(
    gateway: Gateway,
    hunan: Ed25519Signer,
    headers: dict[str, str] | None,
    body: bytes,
    status: int,
    code: str,
    path: str | None,
) -> None:
    if headers is None:
        reply = gateway.post_signed("/v1/console/sessions", hunan, None, body)
    else:
        reply = gateway.client.http.post("/v1/console/sessions", headers=headers, body=body)
    assert (reply.status_code, error_code(reply)) == (status, code)
    assert "token" not in reply.json_body
    if path:
        assert reply.json_body["error"]["path"] == path


def test_a_replayed_opening_is_refused(gateway: Gateway, hunan: Ed25519Signer) -> None:
    first = gateway.post_signed("/v1/console/sessions", hunan, "console-open-1", b"")
    again = gateway.post_signed("/v1/console/sessions", hunan, "console-open-1", b"")
    assert first.status_code == 201
    assert (again.status_code, error_code(again)) == (409, "request_replayed")


def test_a_session_sees_its_own_subscriptions_only(
    gateway: Gateway, hunan: Ed25519Signer, token: str
) -> None:
    gateway.register_platform(GUANGDONG)
    own = subscribe(gateway, HUNAN, "https://hunan.example/hook")
    other = subscribe(gateway, GUANGDONG, "https://guangdong.example/hook")

    listed = as_session(gateway, token, "GET", "/v1/subscriptions")
    assert [s["subscription_id"] for s in listed.json_body["subscriptions"]] == [own]
    foreign = as_session(gateway, token, "GET", f"/v1/subscriptions/{other}")
    assert foreign.status_code == 403
    tried = as_session(gateway, token, "POST", f"/v1/subscriptions/{other}/test", {})
    assert (tried.status_code, error_code(tried)) == (403, "region_mismatch")
    state = gateway.client.http.get(f"/v1/subscriptions/{other}", headers=gateway.operator())
    assert state.json_body["paused_at"] is None


def test_a_session_runs_its_own_delivery_actions_but_not_the_operators(
    gateway: Gateway, hunan: Ed25519Signer, token: str, receiver: Receiver
) -> None:
    own = subscribe(gateway, HUNAN, receiver.url)

    tried = as_session(gateway, token, "POST", f"/v1/subscriptions/{own}/test", {})
    assert tried.status_code == 200, tried.json_body
    redrive = as_session(gateway, token, "POST", f"/v1/subscriptions/{own}/redrive", {})
    assert (redrive.status_code, error_code(redrive)) == (403, "operator_only")
    overdue = as_session(gateway, token, "GET", "/v1/objections/overdue")
    assert (overdue.status_code, error_code(overdue)) == (403, "operator_only")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/console/sessions", {}),
        ("POST", "/v1/subscriptions", {"region": HUNAN, "url": "https://x.example/h"}),
        ("PATCH", "/v1/subscriptions/sub_x", {"url": "https://x.example/h"}),
        ("DELETE", "/v1/subscriptions/sub_x", None),
        ("POST", "/v1/subscriptions/sub_x/rotate-secret", {}),
        ("POST", "/v1/subscriptions/sub_x/pause", {}),
        ("POST", "/v1/subscriptions/sub_x/resume", {}),
        ("DELETE", "/v1/console/sessions", None),
        ("GET", f"/v1/subjects/{NATURAL_PERSON_CODE}/trail", None),
        ("POST", "/v1/checks", {"credit_codes": [], "purpose": "administrative_licensing"}),
        ("POST", "/v1/persons/query", {"id_number": "x", "purpose": "administrative_licensing"}),
        ("POST", "/v1/agreements", {}),
        ("POST", "/v1/feedback", {}),
    ],
)
def test_a_session_cannot_write_what_needs_a_signature(
    gateway: Gateway, token: str, method: str, path: str, body: Any
) -> None:
    reply = as_session(gateway, token, method, path, body)
    assert (reply.status_code, error_code(reply)) == (403, "console_session_not_allowed")
    listed = gateway.client.http.get("/v1/subscriptions", headers=gateway.operator())
    assert listed.json_body["subscriptions"] == []


def test_a_session_cannot_push(gateway: Gateway, hunan: Ed25519Signer, token: str) -> None:
    signed = gateway.register_platform(CITY)
    pushed = gateway.push(signed, CITY, [black_entry()])
    request = pushed.json_body  # a real push works; the same body under a session does not
    assert request["accepted"] == 1
    reply = as_session(gateway, token, "POST", "/v1/pushes", {"batch_id": "b1"})
    assert (reply.status_code, error_code(reply)) == (403, "console_session_not_allowed")


def test_sign_out_and_revocation_end_a_session(
    gateway: Gateway, hunan: Ed25519Signer, token: str
) -> None:
    second = str(open_session(gateway, hunan).json_body["token"])

    closed = as_session(gateway, token, "DELETE", "/v1/console/session")
    assert closed.status_code == 200
    after = as_session(gateway, token, "GET", "/v1/subscriptions")
    assert (after.status_code, error_code(after)) == (401, "console_session_invalid")

    assert as_session(gateway, second, "GET", "/v1/subscriptions").status_code == 200
    revoked = gateway.client.http.delete(
        f"/v1/regions/{HUNAN}/keys/{hunan.key_id}", headers=gateway.operator()
    )
    assert revoked.status_code in (200, 204)
    gone = as_session(gateway, second, "GET", "/v1/subscriptions")
    assert (gone.status_code, error_code(gone)) == (401, "console_session_invalid")


@pytest.mark.parametrize("token", ["cgs_forged", "cgs_" + "A" * 43])
def test_an_unknown_token_is_refused_everywhere(gateway: Gateway, token: str) -> None:
    for method, path in (("GET", "/v1/subscriptions"), ("GET", "/v1/console/session")):
        reply = as_session(gateway, token, method, path)
        assert (reply.status_code, error_code(reply)) == (401, "console_session_invalid")


def test_the_session_routes_need_a_session(gateway: Gateway, hunan: Ed25519Signer) -> None:
    signed = gateway.send_signed("GET", "/v1/console/session", hunan)
    assert (signed.status_code, error_code(signed)) == (401, "console_session_invalid")
    anonymous = gateway.client.http.get("/v1/console/session")
    assert anonymous.status_code == 401


def test_a_handoff_code_is_redeemed_once_by_the_page(
    gateway: Gateway, hunan: Ed25519Signer
) -> None:
    offered = open_session(gateway, hunan, handoff=True)
    assert offered.status_code == 201
    assert offered.json_body["token"] is None
    code = json.dumps({"code": offered.json_body["handoff"]}).encode()

    redeemed = gateway.client.http.post("/v1/console/handoffs", body=code)
    again = gateway.client.http.post("/v1/console/handoffs", body=code)

    assert redeemed.status_code == 201
    assert redeemed.json_body["region"] == HUNAN
    shown = as_session(gateway, redeemed.json_body["token"], "GET", "/v1/console/session")
    assert shown.json_body["region"] == HUNAN
    assert (again.status_code, error_code(again)) == (401, "console_session_invalid")
    assert again.json_body["error"]["path"] == "code"
    as_token = as_session(gateway, offered.json_body["handoff"], "GET", "/v1/subscriptions")
    assert as_token.status_code == 401  # a code is no token


@pytest.mark.parametrize("body", [b"", b"{}", b'{"code": "cgs_x"}', b'{"code": 1}'])
def test_a_malformed_handoff_is_refused(gateway: Gateway, body: bytes) -> None:
    reply = gateway.client.http.post("/v1/console/handoffs", body=body)
    assert reply.status_code == 400


def test_a_region_closes_all_its_sessions_with_its_key(
    gateway: Gateway, hunan: Ed25519Signer, token: str
) -> None:
    guangdong = gateway.register_platform(GUANGDONG)
    other = str(open_session(gateway, guangdong).json_body["token"])

    elsewhere = gateway.send_signed("DELETE", f"/v1/console/sessions?region={GUANGDONG}", hunan)
    assert (elsewhere.status_code, error_code(elsewhere)) == (403, "region_mismatch")
    assert as_session(gateway, other, "GET", "/v1/subscriptions").status_code == 200
    closed = gateway.send_signed("DELETE", "/v1/console/sessions", hunan)

    assert closed.status_code == 200
    gone = as_session(gateway, token, "GET", "/v1/subscriptions")
    assert (gone.status_code, error_code(gone)) == (401, "console_session_invalid")
    assert as_session(gateway, other, "GET", "/v1/subscriptions").status_code == 200
    fresh = str(open_session(gateway, hunan).json_body["token"])
    assert as_session(gateway, fresh, "GET", "/v1/subscriptions").status_code == 200


def test_the_operator_closes_a_regions_sessions(
    gateway: Gateway, hunan: Ed25519Signer, token: str
) -> None:
    closed = gateway.client.http.delete(
        f"/v1/console/sessions?region={HUNAN}", headers=gateway.operator()
    )
    assert closed.status_code == 200
    assert as_session(gateway, token, "GET", "/v1/subscriptions").status_code == 401


def test_an_operator_session_ends_when_the_operator_token_changes(gateway: Gateway) -> None:
    opened = gateway.client.http.post(
        "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
    )
    session = opened.json_body["token"]
    gateway.configure(operator_token="a-new-operator-token-after-the-leak")

    reply = as_session(gateway, session, "GET", "/v1/objections/overdue")
    assert (reply.status_code, error_code(reply)) == (401, "console_session_invalid")


def test_a_session_does_not_look_up_a_natural_person(
    gateway: Gateway, hunan: Ed25519Signer, token: str
) -> None:
    path = f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision"
    reply = as_session(gateway, token, "GET", path)
    assert (reply.status_code, error_code(reply)) == (403, "console_session_not_allowed")
    assert reply.json_body["error"]["path"] == "credit_code"
    trail = gateway.client.http.get(
        f"/v1/subjects/{NATURAL_PERSON_CODE}/trail", headers=gateway.operator()
    )
    assert trail.json_body.get("entries", []) == []


@pytest.mark.parametrize("value", ["Bearer cgs_é", "Bearer " + "cgs_" + "x" * 600, "Bearer  cgs_x"])
def test_odd_bearers_are_no_credentials_never_a_500(gateway: Gateway, value: str) -> None:
    reply = gateway.client.http.get("/v1/subscriptions", headers={"Authorization": value})
    assert reply.status_code == 401


REFUSED = [op for op in OPERATIONS if not accepts_session(op)]


@pytest.mark.parametrize("op", REFUSED, ids=[f"{op.method} {op.path}" for op in REFUSED])
def test_every_route_outside_the_consoles_list_refuses_a_session_before_its_body_runs(
    gateway: Gateway, token: str, op: Operation
) -> None:
    path = re.sub(r"{(\w+)}", lambda m: PLACEHOLDERS.get(m.group(1), "x"), op.path)
    reply = as_session(gateway, token, op.method, path, {})
    assert (reply.status_code, error_code(reply)) == (403, "console_session_not_allowed")


def test_a_session_sees_a_checks_progress_but_not_its_result_file(
    gateway: Gateway, hunan: Ed25519Signer, token: str
) -> None:
    """A check's result file may name natural persons in full: its presigned link goes only to
    the platform's signed request (or the operator's)."""
    now = datetime.now(UTC)
    manifest = UploadManifest(
        region=HUNAN,
        upload_id="u-check1",
        issued_at=now,
        count=1,
        sha256="0" * 64,
        size=10,
        mode="check",
        purpose="supervision",
    )
    bootstrap.container().uploads.create(
        Upload(
            manifest=manifest,
            key_id=hunan.key_id,
            object_key="uploads/430000/u-check1.ndjson",
            status=UploadStatus.COMPLETED,
            created_at=now,
            updated_at=now,
            result_key="check-results/430000/u-check1.ndjson",
        )
    )
    path = f"/v1/regions/{HUNAN}/uploads/u-check1"

    seen = as_session(gateway, token, "GET", path)
    signed = gateway.send_signed("GET", path, hunan)

    assert seen.status_code == 200
    assert seen.json_body["upload"]["status"] == "completed"
    assert "result" not in seen.json_body
    assert signed.json_body["result"]["url"]
