"""The black listing the tick makes of a broken promise keeps its id when the owner re-sends
the promise with a space around its number: the same commitment listing, updated, but inside
the black listing's number the space was no longer at an end, so it named another id. The
breach was listed black twice, and revoking the promise revoked only the second (review 388)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway
from lifecycle_support import Lifecycle, push_with_removals, removal_of, stamp
from test_broken_commitment_listings import blacks, put_policy
from test_commitment_routes import broken, commitment, push

from gateway_client.contract.signing import Ed25519Signer


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    gateway.put_region(HUNAN, name="湖南省")
    return gateway.register_platform(CITY)


def respelt() -> dict[str, Any]:
    """The broken promise again, a later version, its number with a trailing space."""
    again = broken(3)
    again["decision_number"] += " "
    again["source_updated_at"] = stamp()
    return again


def test_a_respelt_number_does_not_list_the_same_breach_twice(gateway, city):
    assert put_policy(gateway).status_code == 200
    push(gateway, city, CITY, commitment(), broken())
    life = Lifecycle(gateway)
    assert life.tick().json_body["broken_commitments_listed"] == 1

    updated = push(gateway, city, CITY, respelt())
    ticked = life.tick().json_body

    assert updated["accepted"] == 1  # the same commitment listing, updated
    assert ticked["broken_commitments_listed"] == 0
    assert len(blacks(gateway)) == 1


def test_revoking_the_respelt_promise_revokes_every_black_listing_made_of_it(gateway, city):
    assert put_policy(gateway).status_code == 200
    push(gateway, city, CITY, commitment(), broken())
    life = Lifecycle(gateway)
    assert life.tick().json_body["broken_commitments_listed"] == 1
    again = respelt()
    push(gateway, city, CITY, again)
    life.tick()

    removed = push_with_removals(gateway, city, CITY, [removal_of(again, "revoked")])
    life.tick()

    assert removed.json_body["removed"] == 1, removed.json_body
    standing = [b["decision_number"] for b in blacks(gateway) if b["status"] == "active"]
    assert standing == []
    view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    assert "black_listing_standing" not in view.json_body["benefits"]["refused_because"]
