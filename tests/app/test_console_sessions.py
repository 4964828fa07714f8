"""Console sessions (``POST /v1/console/sessions``): who opens one and how (a signed request, the
operator's token, a one-time hand-off code), and what ends one — sign-out, the revocation of its
key, a change of the operator token, or closing all of a region's sessions at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from app_support import (
    HUNAN,
    OPERATOR_TOKEN,
    Gateway,
    error_code,
    new_signer,
)
from botocore.exceptions import ClientError
from session_support import GUANGDONG, as_session, open_session

from chalicelib import bootstrap, secret_reads
from chalicelib.settings import weak_operator_token
from gateway_client.contract.signing import Ed25519Signer, public_key_text


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
        (
            {"Authorization": "Bearer wrong"},
            b"",
            401,
            "operator_credentials_required",
            "authorization",
        ),
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


def session_items() -> list[object]:
    c = bootstrap.container()
    return list(c.aws_clients["dynamodb"].scan(TableName=c.console_sessions._store._table)["Items"])


@pytest.mark.parametrize("ended", ["key_revoked", "sessions_closed"])
def test_a_handoff_offered_before_its_key_or_scope_ended_opens_nothing(
    gateway: Gateway, hunan: Ed25519Signer, ended: str
) -> None:
    """Redeeming checks what using a session checks: a code offered before its key was revoked
    or before the region closed all its sessions (a lost laptop) opens no session."""
    offered = open_session(gateway, hunan, handoff=True)
    code = json.dumps({"code": offered.json_body["handoff"]}).encode()
    if ended == "key_revoked":
        path = f"/v1/regions/{HUNAN}/keys/{hunan.key_id}"
        assert gateway.client.http.delete(path, headers=gateway.operator()).status_code == 200
    else:
        assert gateway.send_signed("DELETE", "/v1/console/sessions", hunan).status_code == 200
    before = len(session_items())

    redeemed = gateway.client.http.post("/v1/console/handoffs", body=code)

    assert (redeemed.status_code, error_code(redeemed)) == (401, "console_session_invalid")
    assert redeemed.json_body["error"]["path"] == "code"
    assert len(session_items()) == before - 1  # the code used up, no session written


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
    assert (closed.status_code, closed.json_body["whose"]) == (200, HUNAN)
    assert as_session(gateway, token, "GET", "/v1/subscriptions").status_code == 401
    own = gateway.client.http.delete("/v1/console/sessions", headers=gateway.operator())
    assert own.json_body["whose"] == "operator"  # no region: its own, and it is told so
    before = len(session_items())
    unknown = gateway.client.http.delete(
        "/v1/console/sessions?region=110000", headers=gateway.operator()
    )
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")
    assert unknown.json_body["error"]["path"] == "region"
    assert len(session_items()) == before  # no region's generation written for a typo


def test_an_operator_session_ends_when_the_operator_token_changes(gateway: Gateway) -> None:
    opened = gateway.client.http.post(
        "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
    )
    session = opened.json_body["token"]
    gateway.configure(operator_token="a-new-operator-token-after-the-leak")

    reply = as_session(gateway, session, "GET", "/v1/objections/overdue")
    assert (reply.status_code, error_code(reply)) == (401, "console_session_invalid")


@pytest.mark.parametrize("value", ["Bearer cgs_é", "Bearer " + "cgs_" + "x" * 600, "Bearer  cgs_x"])
def test_odd_bearers_are_no_credentials_never_a_500(gateway: Gateway, value: str) -> None:
    reply = gateway.client.http.get("/v1/subscriptions", headers={"Authorization": value})
    assert reply.status_code == 401


def _read_from(gateway: Gateway, monkeypatch: pytest.MonkeyPatch, secrets: Any) -> None:
    """The operator token read from ``secrets`` (Secrets Manager's stand-in), none inline."""
    real = bootstrap._client

    def client(settings: Any, service: str) -> Any:
        return secrets if service == "secretsmanager" else real(settings, service)

    monkeypatch.setattr(bootstrap, "_client", client)
    gateway.configure(operator_token=None, operator_token_secret_arn="arn:operator")


class _Secrets:
    def __init__(self, value: str) -> None:
        self.value = value

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        assert SecretId == "arn:operator"
        return {"SecretString": self.value}


def test_rotating_the_operator_secret_ends_the_old_tokens_console_sessions(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a running function, with no rebuild of its container: once the token is read again
    (a minute on, here at once), the old one opens nothing and its sessions end (review 100
    F1)."""
    monkeypatch.setattr(secret_reads, "OPERATOR_TOKEN_REREAD", 0.0)
    secrets = _Secrets("old-operator-token-0123456789abcdef")
    _read_from(gateway, monkeypatch, secrets)
    old = {"Authorization": f"Bearer {secrets.value}", "Content-Type": "application/json"}
    opened = gateway.client.http.post("/v1/console/sessions", headers=old, body=b"{}")
    assert opened.status_code == 201, opened.json_body
    session = opened.json_body["token"]

    secrets.value = "new-operator-token-after-the-leak-xyz"  # the operator rotates the secret

    reply = as_session(gateway, session, "GET", "/v1/objections/overdue")
    assert reply.status_code == 401, f"old operator session still answered {reply.status_code}"
    assert error_code(reply) == "console_session_invalid"
    again = gateway.client.http.post("/v1/console/sessions", headers=old, body=b"{}")
    assert again.status_code == 401, "the leaked token still opens new console sessions"


class _FlakySecrets:
    def __init__(self, value: str) -> None:
        self.value = value
        self.failing = False

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        if self.failing:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "GetSecretValue",
            )
        return {"SecretString": self.value}


def _setup(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> _FlakySecrets:
    monkeypatch.setattr(secret_reads, "OPERATOR_TOKEN_REREAD", 0.0)  # "a minute later", at once
    secrets = _FlakySecrets(OPERATOR_TOKEN)
    _read_from(gateway, monkeypatch, secrets)
    return secrets


def test_a_platform_signed_call_does_not_depend_on_the_operator_secret(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No bearer token, no secret read (review 101 F3)."""
    secrets = _setup(gateway, monkeypatch)
    hunan = gateway.register_platform(HUNAN)
    assert gateway.send_signed("GET", "/v1/subscriptions", hunan).status_code == 200

    secrets.failing = True  # Secrets Manager throttles at the minute's re-read
    reply = gateway.send_signed("GET", "/v1/subscriptions", hunan)

    assert reply.status_code == 200, (reply.status_code, reply.json_body)


def test_a_transient_secret_error_at_re_read_keeps_the_operator_working(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token read last is kept for a while when the re-read fails, not a 500 on every
    operator call (review 101 F3)."""
    secrets = _setup(gateway, monkeypatch)
    headers = {"Authorization": f"Bearer {secrets.value}"}
    assert gateway.client.http.get("/v1/subscriptions", headers=headers).status_code == 200

    secrets.failing = True
    reply = gateway.client.http.get("/v1/subscriptions", headers=headers)

    assert reply.status_code == 200, reply.json_body


def test_a_short_token_in_the_secret_opens_nothing(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret holding a token the settings refuse inline (under 24 characters) is no
    operator credential: every operator call is 401 (review 172). (One shaped like a console
    session's never was: it is taken for a session.)"""
    weak = "short-token-123"
    _read_from(gateway, monkeypatch, _Secrets(weak))
    weak_bearer = {"Authorization": f"Bearer {weak}", "Content-Type": "application/json"}

    opened = gateway.client.http.post("/v1/console/sessions", headers=weak_bearer, body=b"{}")
    listed = gateway.client.http.get("/v1/objections/overdue", headers=weak_bearer)

    assert (opened.status_code, listed.status_code) == (401, 401)


@pytest.mark.parametrize(
    ("token", "refused"),
    [
        ("operator-token-of-at-least-24-chars", False),
        ("a passphrase of many words and spaces", True),  # no bearer header carries it
        ("operator-token-of-at-least-24-chars\n", True),  # a secret put from a file
        ("x" * 513, True),
        ("运维令牌" * 8, True),
        ("short-token-123", True),
        ("cgs_" + "A" * 40, True),
    ],
)
def test_an_operator_token_is_refused_unless_a_bearer_header_can_carry_it(
    token: str, refused: bool
) -> None:
    """Review 335: a token the settings took but ``Authorization: Bearer`` cannot carry left
    every operator call read as unsigned or anonymous, with nothing logged."""
    assert weak_operator_token(token) is refused


def test_a_redeemed_session_ends_no_later_than_the_key_that_opened_it(gateway: Gateway) -> None:
    """A session is cut to its key's end of validity, and so is one redeemed from a hand-off
    (review 201: redeeming restarted its lifetime, past the key by the minute the code waited)."""
    assert gateway.put_region(GUANGDONG).status_code == 200
    signer = new_signer("k-gd-short")
    key_end = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    body = json.dumps(
        {
            "key_id": signer.key_id,
            "public_key": public_key_text(signer.private_key),
            "valid_until": key_end.isoformat(),
        }
    ).encode()
    added = gateway.client.http.post(
        f"/v1/regions/{GUANGDONG}/keys", headers=gateway.operator(), body=body
    )
    assert added.status_code == 201, added.json_body
    offered = open_session(gateway, signer, ttl_minutes=60, handoff=True)
    assert offered.status_code == 201, offered.json_body
    assert datetime.fromisoformat(offered.json_body["expires_at"]) <= key_end

    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=50), tick=True):
        code = json.dumps({"code": offered.json_body["handoff"]}).encode()
        redeemed = gateway.client.http.post("/v1/console/handoffs", body=code)
        assert redeemed.status_code == 201, redeemed.json_body
        ends: Any = datetime.fromisoformat(redeemed.json_body["expires_at"])
        shown = as_session(gateway, redeemed.json_body["token"], "GET", "/v1/console/session")

    assert ends <= key_end, (ends, key_end)
    assert datetime.fromisoformat(shown.json_body["expires_at"]) <= key_end
