"""A broken promise revoked as wrong after the black listing made from it ended (repaired, or
expired at its period's end): the tick revokes that listing too, so it no longer counts as a
true record ended within three years, closing the subject's green channel, and subscribers hear
it was withdrawn (review 296: only a listing still standing was revoked)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN
from lifecycle_support import listing_path, new_batch_id
from test_broken_commitment_listings import blacks, put_policy
from test_commitment_routes import broken, commitment

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock

REVOKED = {
    "credit_code": CREDIT_CODE,
    "kind": "commitment",
    "domain": "licensing_commitment",
    "deciding_authority": "七台河市政务服务中心",
    "decision_number": "七政服承诺〔2026〕8号",
    "reason": "revoked",
    "note": "",
    "source_sequence": 0,
}


def _push(gateway, signer, clock, entries=(), removals=()):  # type: ignore[no-untyped-def]
    batch_id = new_batch_id()
    body = {
        "region": CITY,
        "batch_id": batch_id,
        "issued_at": clock.now().isoformat(),
        "entries": list(entries),
        "removals": list(removals),
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    reply = gateway.post_signed("/v1/pushes", signer, batch_id, raw, clock.now())
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def _tick(gateway, clock):  # type: ignore[no-untyped-def]
    body = json.dumps({"at": clock.now().isoformat()}).encode()
    reply = gateway.client.http.post("/v1/tick", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def _repaired(gateway, city, clock, black) -> str:  # type: ignore[no-untyped-def]
    clock.advance(timedelta(days=100))  # past the general severity's 3 months
    body = {"reason": "已整改并作出新承诺", "source_updated_at": clock.now().isoformat()}
    path = listing_path(CREDIT_CODE, black["listing_id"]) + "/repair"
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert gateway.post_signed(path, city, None, raw, clock.now()).status_code == 200
    return "repaired"


def _expired(gateway, city, clock, black) -> str:  # type: ignore[no-untyped-def]
    clock.advance(timedelta(days=370))  # past the general policy's year
    _tick(gateway, clock)
    return "expired"


@pytest.mark.parametrize("end", [_repaired, _expired])
def test_an_ended_black_listing_of_a_revoked_promise_is_revoked_too(gateway, end):
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    clock = FixedClock(datetime.now(UTC))
    bootstrap.override_clock(clock)
    try:
        assert put_policy(gateway).status_code == 200
        assert _push(gateway, city, clock, [commitment(), broken()])["errors"] == []
        assert _tick(gateway, clock)["broken_commitments_listed"] == 1
        [black] = blacks(gateway)
        ended = end(gateway, city, clock, black)
        assert [b["status"] for b in blacks(gateway)] == [ended]

        clock.advance(timedelta(days=1))
        removal = {**REVOKED, "source_updated_at": clock.now().isoformat()}
        assert _push(gateway, city, clock, removals=[removal])["removed"] == 1
        assert _tick(gateway, clock)["broken_commitments_unlisted"] == 1
        view = gateway.client.http.get(
            f"/v1/subjects/{CREDIT_CODE}?as={CITY}", headers=gateway.operator()
        ).json_body
        after = blacks(gateway)
        assert _tick(gateway, clock)["broken_commitments_unlisted"] == 0  # once
    finally:
        bootstrap.override_clock(None)

    assert [b["status"] for b in after] == ["revoked"]
    refused = view["benefits"]["refused_because"]
    assert "broken_commitment" not in refused, refused
    assert "black_listing_ended_within_three_years" not in refused, refused
