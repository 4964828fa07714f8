"""A broken promise is listed under the policy's terms in force on the day it was broken, or the
ones in force now if lighter (从旧兼从轻): a change of terms keeps the day listing began, and
used to list a promise broken under general terms, reported after the region made them serious,
as serious — joint punishment for three years, not a one-year dishonesty record (review 296)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from app_support import CITY, HUNAN
from lifecycle_support import new_batch_id
from test_broken_commitment_listings import POLICY, blacks, put_policy
from test_commitment_routes import commitment

from chalicelib import bootstrap
from gateway_client.contract import china_date
from gateway_client.contract.clock import FixedClock


@pytest.mark.parametrize(
    ("then", "now", "listed"),
    [("general", "serious", "general"), ("serious", "general", "general")],
)
def test_a_breach_is_listed_under_its_days_terms_or_lighter_ones(gateway, then, now, listed):
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    clock = FixedClock(datetime.now(UTC))
    bootstrap.override_clock(clock)
    try:
        assert put_policy(gateway, {**POLICY, "severity": then}).status_code == 200
        clock.advance(timedelta(days=2))
        breach = china_date(clock.now())
        clock.advance(timedelta(days=8))
        changed = put_policy(gateway, {**POLICY, "severity": now})
        assert changed.json_body["broken_commitments"]["earlier"][0]["severity"] == then
        entry = commitment(2, outcome="broken", outcome_on=breach.isoformat())
        made_on = (breach - timedelta(days=1)).isoformat()
        entry |= {
            "decided_on": made_on,
            "valid_from": made_on,
            "source_updated_at": clock.now().isoformat(),
        }
        entry["commitment"]["deadline"] = breach.isoformat()
        batch_id = new_batch_id()
        body = {
            "region": CITY,
            "batch_id": batch_id,
            "issued_at": clock.now().isoformat(),
            "entries": [entry],
        }
        raw = json.dumps(body, ensure_ascii=False).encode()
        pushed = gateway.post_signed("/v1/pushes", city, batch_id, raw, clock.now())
        assert pushed.json_body["errors"] == [], pushed.json_body
        tick = json.dumps({"at": clock.now().isoformat()}).encode()
        gateway.client.http.post("/v1/tick", headers=gateway.operator(), body=tick)
        [black] = blacks(gateway)
    finally:
        bootstrap.override_clock(None)

    assert black["severity"] == listed
