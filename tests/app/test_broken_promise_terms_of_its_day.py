"""A broken promise is listed under the policy's terms in force on the day it was broken, or the
ones in force now if lighter (从旧兼从轻): a change of terms keeps the day listing began, and
used to list a promise broken under general terms, reported after the region made them serious,
as serious — joint punishment for three years, not a one-year dishonesty record (review 296)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_broken_commitment_listings import (
    POLICY,
    blacks,
    city_with_policy,
    pushed_at,
    put_policy,
    tick_at,
)
from test_commitment_routes import commitment

from gateway_client.contract import china_date


@pytest.mark.parametrize(
    ("then", "now", "listed"),
    [("general", "serious", "general"), ("serious", "general", "general")],
)
def test_a_breach_is_listed_under_its_days_terms_or_lighter_ones(gateway, then, now, listed):
    with city_with_policy(gateway, {**POLICY, "severity": then}) as (city, clock):
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
        assert pushed_at(gateway, city, clock, [entry])["errors"] == []
        tick_at(gateway, clock)
        [black] = blacks(gateway)

    assert black["severity"] == listed
