"""A commitment recorded broken while in force and ended by its owner later the same day (a
removal ``expired``: the department closes the promise it found broken) was broken while it
held: counted, closing the green channel, and listed by the tick (review 373: compared by day,
the removal's step read as "stopped applying that day", and the breach counted nowhere)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app_support import CREDIT_CODE, Gateway
from lifecycle_support import removal_of
from test_breach_after_the_promise_ended import red
from test_broken_commitment_listings import city_with_policy, pushed_at, tick_at
from test_commitment_routes import commitment


def _breach_then_end(gateway: Gateway) -> tuple[Any, Any]:
    cm = city_with_policy(gateway)
    city, clock = cm.__enter__()
    first = commitment(1)
    assert pushed_at(gateway, city, clock, [first])["accepted"] == 1
    clock.advance(timedelta(seconds=60))
    today = clock.now().date().isoformat()
    made = commitment(2, outcome="broken", outcome_on=today)
    made["source_updated_at"] = clock.now().isoformat()
    assert pushed_at(gateway, city, clock, [made])["accepted"] == 1
    clock.advance(timedelta(seconds=60))
    removal = removal_of(
        first, "expired", source_updated_at=clock.now().isoformat(), source_sequence=3
    )
    ended = pushed_at(gateway, city, clock, removals=[removal])
    assert ended["removed"] == 1, ended
    return cm, (city, clock)


def test_a_breach_recorded_in_force_and_ended_the_same_day_is_counted(gateway: Gateway) -> None:
    cm, _ = _breach_then_end(gateway)
    try:
        reply = gateway.client.http.get(
            f"/v1/subjects/{CREDIT_CODE}?purpose=administrative_approval",
            headers=gateway.operator(),
        )
        assert reply.status_code == 200, reply.json_body
        assert reply.json_body["commitments"]["broken"] == 1, reply.json_body["commitments"]
    finally:
        cm.__exit__(None, None, None)


def test_a_breach_recorded_in_force_and_ended_the_same_day_is_listed(gateway: Gateway) -> None:
    cm, (_, clock) = _breach_then_end(gateway)
    try:
        clock.advance(timedelta(hours=1))
        report = tick_at(gateway, clock)
        assert report["broken_commitments_listed"] == 1, report
    finally:
        cm.__exit__(None, None, None)


def test_a_breach_recorded_in_force_and_ended_the_same_day_closes_the_green_channel(
    gateway: Gateway,
) -> None:
    cm = city_with_policy(gateway)
    city, clock = cm.__enter__()
    try:
        first = commitment(1)
        accepted = pushed_at(gateway, city, clock, [first, red(clock.now() - timedelta(minutes=1))])
        assert accepted["accepted"] == 2, accepted
        clock.advance(timedelta(seconds=60))
        made = commitment(2, outcome="broken", outcome_on=clock.now().date().isoformat())
        made["source_updated_at"] = clock.now().isoformat()
        assert pushed_at(gateway, city, clock, [made])["accepted"] == 1
        before = gateway.client.http.get(
            f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator()
        ).json_body["benefits"]
        assert "broken_commitment" in before["refused_because"], before  # in force: closed
        clock.advance(timedelta(seconds=60))
        removal = removal_of(
            first, "expired", source_updated_at=clock.now().isoformat(), source_sequence=3
        )
        assert pushed_at(gateway, city, clock, removals=[removal])["removed"] == 1

        after = gateway.client.http.get(
            f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator()
        ).json_body["benefits"]
        assert "broken_commitment" in after["refused_because"], after
        assert after["green_channel"] is False, after
    finally:
        cm.__exit__(None, None, None)
