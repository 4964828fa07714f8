"""A person's broken promise is erased five years after the breach, and so is the black listing
the tick made of that same breach (its reason quoting the promise): its conduct ended on the
breach (review 296: kept five years from its own period's end, 1–3 years longer)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from app_support import CITY, HUNAN, NATURAL_PERSON_CODE
from lifecycle_support import new_batch_id
from test_broken_commitment_listings import put_policy
from test_commitment_routes import broken, commitment

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


def _tick(gateway, clock):
    body = json.dumps({"at": clock.now().isoformat()}).encode()
    reply = gateway.client.http.post("/v1/tick", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def _kinds(gateway):
    path = f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision"
    reply = gateway.client.http.get(path, headers=gateway.operator())
    if reply.status_code == 404:
        return []
    assert reply.status_code == 200, reply.json_body
    return sorted(v["listing"]["kind"] for v in reply.json_body["listings"])


def test_the_black_listing_of_a_persons_breach_goes_with_the_breach(gateway):
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    clock = FixedClock(datetime.now(UTC))
    bootstrap.override_clock(clock)
    try:
        assert put_policy(gateway).status_code == 200
        person = {"credit_code": NATURAL_PERSON_CODE, "subject_name": "王某某"}
        batch_id = new_batch_id()
        body = {
            "region": CITY,
            "batch_id": batch_id,
            "issued_at": clock.now().isoformat(),
            "entries": [{**commitment(), **person}, {**broken(), **person}],
        }
        raw = json.dumps(body, ensure_ascii=False).encode()
        pushed = gateway.post_signed("/v1/pushes", city, batch_id, raw, clock.now())
        assert pushed.json_body["errors"] == [], pushed.json_body
        assert _tick(gateway, clock)["broken_commitments_listed"] == 1
        assert _kinds(gateway) == ["black", "commitment"]

        clock.advance(timedelta(days=370))  # the general black listing's year is over
        _tick(gateway, clock)
        clock.advance(timedelta(days=366 * 5 - 370 + 10))  # five years and some from the breach
        ticked = _tick(gateway, clock)
        left = _kinds(gateway)
    finally:
        bootstrap.override_clock(None)

    assert ticked["purged"] >= 1, ticked  # the promise is erased
    assert left == [], left  # …and so is the black listing of the same breach
