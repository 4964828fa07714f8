"""A commitment its owner revoked (or removed as corrected) is no record: the one-stop
view's and a check's commitment figures count it neither open, overdue nor broken (review 147).
They count as the owner's overdue list and the tick do (review 165): one ended otherwise is
open no longer, and one suspended while an objection is checked is not overdue."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway
from lifecycle_support import Lifecycle, push_with_removals, removal_of
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


def test_an_ended_commitment_is_not_counted_open_or_overdue_in_the_owners_view(gateway, city):
    """An open 容缺受理 promise past its deadline, ended by its owner (removed `expired`): the
    overdue list and the tick no longer report it; the owner's one-stop view must not go on
    counting it as open and overdue."""
    late = commitment()
    late["commitment"]["deadline"] = (TODAY - timedelta(days=1)).isoformat()
    push(gateway, city, CITY, late)
    removed = push_with_removals(gateway, city, CITY, [removal_of(late, "expired")])
    assert removed.json_body["removed"] == 1, removed.json_body
    life = Lifecycle(gateway)

    listed = life.get("/v1/commitments/overdue", city).json_body["overdue"]
    ticked = life.tick().json_body["overdue_commitments"]
    view = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={CITY}", city).json_body

    assert listed == ticked == []
    assert view["commitments"] == {"open": 0, "overdue": len(listed), "broken": 0}


def test_a_suspended_overdue_commitment_is_counted_as_the_overdue_list_counts_it(gateway, city):
    """An open promise past its deadline whose listing an objection suspended: the one-stop
    view every region reads and the owner's overdue list (and the tick) must agree on it."""
    late = commitment()
    late["commitment"]["deadline"] = (TODAY - timedelta(days=1)).isoformat()
    [made] = push(gateway, city, CITY, late)["outcomes"]
    life = Lifecycle(gateway)
    filed = life.file_objection(CREDIT_CODE, made["listing_id"], signer=city)
    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["status"] == "suspended"

    listed = life.get("/v1/commitments/overdue", city).json_body["overdue"]
    ticked = life.tick().json_body["overdue_commitments"]
    hunan = gateway.register_platform(HUNAN)
    view = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", hunan).json_body

    reported = {x["listing_id"] for x in listed} | {x["listing_id"] for x in ticked}
    assert view["commitments"]["overdue"] == len(reported)
