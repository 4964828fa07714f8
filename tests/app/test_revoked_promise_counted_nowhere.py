"""A broken promise found wrong is counted nowhere as a broken commitment, as the green channel
counts it (review 147): revoked by its owner (撤销), it used to stay ``broken`` in the monthly
statistics; revoked by an objection's decision after its period ended (its status kept:
expired), in the one-stop view and the owner's own signed batch check (review 296)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from app_support import CITY, CREDIT_CODE, HUNAN
from lifecycle_support import (
    Lifecycle,
    fan_out,
    push_with_removals,
    removal_of,
    this_month,
)
from test_broken_commitment_listings import revoked_after_its_period
from test_commitment_routes import TODAY, broken, commitment, push

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


def test_a_revoked_broken_promise_is_not_counted_broken(gateway, aws, stream):
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    life = Lifecycle(gateway)
    push(gateway, city, CITY, commitment())
    push(gateway, city, CITY, broken())
    fan_out(aws, stream)
    before = life.stats(CITY, this_month()).json_body["commitments"]
    assert before["broken"] == 1, before

    revoked = push_with_removals(gateway, city, CITY, [removal_of(broken(), "revoked")])
    assert revoked.json_body["removed"] == 1, revoked.json_body
    fan_out(aws, stream)
    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={CITY}", headers=gateway.operator()
    ).json_body
    assert view["commitments"]["broken"] == 0  # the view: never a true record
    after = life.stats(CITY, this_month()).json_body["commitments"]
    assert after["broken"] == 0, after


def test_a_promise_revoked_after_its_period_is_not_counted_broken(gateway):
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    clock = FixedClock(datetime.now(UTC))
    bootstrap.override_clock(clock)
    try:
        ends = {"valid_until": (TODAY + timedelta(days=1)).isoformat()}
        today = TODAY.isoformat()
        broke = commitment(2, deadline=today, outcome="broken", outcome_on=today)
        made = push(gateway, city, CITY, {**broke, **ends})
        assert made["errors"] == [], made["errors"]
        listing_id = made["outcomes"][0]["listing_id"]
        decided = revoked_after_its_period(gateway, city, clock, listing_id)
        assert decided.status_code == 200, decided.json_body
        view = gateway.client.http.get(
            f"/v1/subjects/{CREDIT_CODE}?as={CITY}", headers=gateway.operator()
        ).json_body
        ask = {"codes": [CREDIT_CODE], "purpose": "administrative_approval"}
        checked = gateway.post_signed(
            "/v1/checks", city, None, json.dumps(ask).encode(), clock.now()
        )
    finally:
        bootstrap.override_clock(None)

    assert "broken_commitment" not in view["benefits"]["refused_because"]  # the green channel
    assert view["commitments"]["broken"] == 0, view["commitments"]
    assert checked.json_body["summary"]["broken_commitments"] == 0, checked.json_body
