"""A person's commitment stored before person ids were keyed by region (under the decision's
id) breaks, and the tick lists it black under its owner's id; the operator then gives the
commitment to another region, which revokes it. Its black listing was found under neither
region's id then: it stood on a withdrawn record, was never revoked with it, and a policy of
the new owner's would list the breach a second time (review 360). It is found under the id of
each region the commitment was given away from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from app_support import CITY, NATURAL_PERSON_CODE
from lifecycle_support import XINZHENG, listing_path
from test_broken_commitment_listings import POLICY, city_with_policy, pushed_at, tick_at
from test_commitment_routes import broken, commitment

from chalicelib.bootstrap import container
from gateway import promotion
from gateway.lifecycle import commitments
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.signing import Ed25519Signer

PERSON = {"credit_code": NATURAL_PERSON_CODE, "subject_name": "王某某"}


@pytest.fixture
def given_away(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Ed25519Signer, FixedClock, dict[str, Any]]]:
    """The person's broken promise listed black by the city, then given to 新郑市: 新郑's
    platform, the clock, and the commitment entry as 新郑 holds it."""
    with city_with_policy(gateway) as (city, clock):
        with monkeypatch.context() as m:  # the release before: a person's id is the decision's
            m.setattr(promotion, "person_listing_id", lambda decision, region: decision)
            entries = [{**commitment(), **PERSON}, {**broken(), **PERSON}]
            assert pushed_at(gateway, city, clock, entries)["errors"] == []
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        [held] = [x for x in _held() if x.kind.value == "commitment"]

        xinzheng = gateway.register_platform(XINZHENG)
        entry = {**broken(3), **PERSON, "origin_region": XINZHENG}
        body = {"corrected_entry": entry, "note": "承诺由新郑市受理"}
        reply = gateway.client.http.post(
            listing_path(NATURAL_PERSON_CODE, held.listing_id) + "/reassignment",
            headers=gateway.operator(),
            body=json.dumps(body, ensure_ascii=False).encode(),
        )
        assert reply.status_code == 200, reply.json_body
        yield xinzheng, clock, entry


def _held() -> list[Any]:
    return list(container().listings.subject(NATURAL_PERSON_CODE))


def _black() -> Any:
    [black] = [x for x in _held() if x.kind.value == "black"]
    return black


def revoke(gateway: Any, xinzheng: Any, clock: Any, entry: dict[str, Any]) -> None:
    """新郑 revokes the commitment it was given."""
    removal = {
        **{k: entry[k] for k in ("credit_code", "kind", "domain")},
        **{k: entry[k] for k in ("deciding_authority", "decision_number")},
        "reason": "revoked",
        "note": "",
        "source_updated_at": clock.now().isoformat(),
        "source_sequence": 4,
    }
    body = {
        "region": XINZHENG,
        "batch_id": "b-rehomed-revoked",
        "issued_at": clock.now().isoformat(),
        "entries": [],
        "removals": [removal],
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    revoked = gateway.post_signed("/v1/pushes", xinzheng, "b-rehomed-revoked", raw, clock.now())
    assert revoked.json_body.get("removed") == 1, revoked.json_body


def test_its_black_listing_is_revoked_with_it(gateway: Any, given_away: Any) -> None:
    xinzheng, clock, entry = given_away
    assert _black().origin_region == CITY
    revoke(gateway, xinzheng, clock, entry)

    ticked = tick_at(gateway, clock)

    assert ticked["broken_commitments_unlisted"] == 1, ticked
    assert _black().status.value == "revoked"


def test_both_black_listings_a_release_before_made_go_with_it(
    gateway: Any, given_away: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release before review 360 listed the breach again under the new owner's policy: the
    tick revoked the first black listing it found and left the other standing (review 367)."""
    xinzheng, clock, entry = given_away
    put_policy_of_xinzheng(gateway)
    with monkeypatch.context() as m:
        m.setattr(commitments, "former_owners", lambda listing: ())
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
    revoke(gateway, xinzheng, clock, entry)

    ticked = tick_at(gateway, clock)

    assert ticked["broken_commitments_unlisted"] == 2, ticked
    blacks = [x for x in _held() if x.kind.value == "black"]
    assert {x.origin_region: x.status.value for x in blacks} == {
        CITY: "revoked",
        XINZHENG: "revoked",
    }


def put_policy_of_xinzheng(gateway: Any) -> None:
    body = {"name": "新郑市", "broken_commitments": POLICY}
    put = gateway.client.http.put(
        f"/v1/regions/{XINZHENG}",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
    assert put.status_code == 200, put.json_body


def test_a_policy_of_the_new_owner_does_not_list_the_breach_again(
    gateway: Any, given_away: Any
) -> None:
    _, clock, _ = given_away
    put_policy_of_xinzheng(gateway)

    ticked = tick_at(gateway, clock)

    assert ticked["broken_commitments_listed"] == 0, ticked
    assert len([x for x in _held() if x.kind.value == "black"]) == 1
