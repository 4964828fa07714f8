"""A commitment its owner revoked (or removed as corrected) is no record: the one-stop
view's and a check's commitment figures count it neither open, overdue nor broken (review 147)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway
from lifecycle_support import push_with_removals, removal_of
from test_commitment_routes import TODAY, broken, commitment, push

from gateway_client.contract.signing import Ed25519Signer


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    gateway.put_region(HUNAN, name="湖南省")
    return gateway.register_platform(CITY)


def view_of(gateway: Gateway, signer: Ed25519Signer) -> dict:
    reply = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}", signer)
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body)


@pytest.mark.parametrize("reason", ["revoked", "corrected"])
def test_a_revoked_broken_commitment_is_not_counted_broken(gateway, city, reason):
    push(gateway, city, CITY, commitment(), broken())
    removed = push_with_removals(gateway, city, CITY, [removal_of(broken(), reason)])
    assert removed.json_body["removed"] == 1, removed.json_body

    owner_view = view_of(gateway, city)
    operator = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator()
    ).json_body
    checked = gateway.post_signed(
        "/v1/checks",
        city,
        None,
        json.dumps({"codes": [CREDIT_CODE], "purpose": "administrative_approval"}).encode(),
    )

    assert owner_view["commitments"]["broken"] == 0
    assert operator["commitments"]["broken"] == 0
    assert checked.json_body["summary"]["broken_commitments"] == 0


def test_a_revoked_open_commitment_is_neither_open_nor_overdue(gateway, city):
    late = commitment()
    late["commitment"]["deadline"] = (TODAY - timedelta(days=1)).isoformat()
    push(gateway, city, CITY, late)
    removed = push_with_removals(gateway, city, CITY, [removal_of(late, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body

    shown = view_of(gateway, city)["commitments"]

    assert shown == {"open": 0, "overdue": 0, "broken": 0}
