"""What a console session reaches: what its region's signature reads, and its subscriptions'
delivery actions — nothing that writes lists, keys or endpoints, nothing of another region, no
natural person and no check's result file; every route outside the console's list refuses it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    NATURAL_PERSON_CODE,
    Gateway,
    Receiver,
    black_entry,
    error_code,
)
from session_support import GUANGDONG, as_session, subscribe

from chalicelib import bootstrap
from chalicelib.console_api import accepts_session
from chalicelib.openapi import OPERATIONS
from chalicelib.route_spec import Operation
from gateway.intake import Upload, UploadManifest, UploadStatus
from gateway_client.contract.signing import Ed25519Signer

PLACEHOLDERS = {"code": HUNAN, "credit_code": "91230900MA1B2C3D4E"}


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
        ("POST", "/v1/subscriptions/sub_x/verify", {}),  # no page offers it (review 46c)
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


REPRESENTATIVE = "420281199503150210"


@pytest.mark.parametrize("who", ["owner", "operator"])
def test_a_session_is_shown_a_responsible_persons_id_number_masked(
    gateway: Gateway, hunan: Ed25519Signer, token: str, who: str
) -> None:
    """A browser keeps what it is shown; the same read signed by the platform gets it in full."""
    person = {"name": "王某", "role": "legal_representative", "id_number": REPRESENTATIVE}
    pushed = gateway.push(hunan, HUNAN, [black_entry(responsible_persons=[person])])
    assert pushed.json_body["accepted"] == 1, pushed.json_body
    if who == "operator":
        opened = gateway.client.http.post(
            "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
        )
        token = opened.json_body["token"]
    path = f"/v1/subjects/{CREDIT_CODE}?purpose=supervision"

    seen = as_session(gateway, token, "GET", path)
    signed = gateway.send_signed("GET", path, hunan)

    assert seen.status_code == 200, seen.json_body
    [listing] = [x["listing"] for x in seen.json_body["listings"]]
    assert listing["responsible_persons"][0]["id_number"] == "420281***********0"
    assert REPRESENTATIVE not in seen.body.decode()
    assert listing.get("id_salt") is None
    assert signed.status_code == 200, signed.json_body
    assert REPRESENTATIVE in signed.body.decode()
