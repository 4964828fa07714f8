"""A person's broken promise is erased five years after the breach, and so is the black listing
the tick made of that same breach (its reason quoting the promise): its conduct ended on the
breach (review 296: kept five years from its own period's end, 1–3 years longer)."""

from __future__ import annotations

from datetime import timedelta

from app_support import NATURAL_PERSON_CODE
from test_broken_commitment_listings import city_with_policy, pushed_at, tick_at
from test_commitment_routes import broken, commitment


def _kinds(gateway):  # type: ignore[no-untyped-def]
    path = f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision"
    reply = gateway.client.http.get(path, headers=gateway.operator())
    if reply.status_code == 404:
        return []
    assert reply.status_code == 200, reply.json_body
    return sorted(v["listing"]["kind"] for v in reply.json_body["listings"])


def test_the_black_listing_of_a_persons_breach_goes_with_the_breach(gateway):
    person = {"credit_code": NATURAL_PERSON_CODE, "subject_name": "王某某"}
    with city_with_policy(gateway) as (city, clock):
        entries = [{**commitment(), **person}, {**broken(), **person}]
        assert pushed_at(gateway, city, clock, entries)["errors"] == []
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        assert _kinds(gateway) == ["black", "commitment"]

        clock.advance(timedelta(days=370))  # the general black listing's year is over
        tick_at(gateway, clock)
        clock.advance(timedelta(days=366 * 5 - 370 + 10))  # five years and some from the breach
        ticked = tick_at(gateway, clock)
        left = _kinds(gateway)

    assert ticked["purged"] >= 1, ticked  # the promise is erased
    assert left == [], left  # …and so is the black listing of the same breach
