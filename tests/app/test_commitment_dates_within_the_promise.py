"""A commitment's deadline and outcome fall within the promise: neither before it took
effect (review 388: a breach dated before ``valid_from`` was taken in, counted broken, closed
the green channel and was listed black by the owner's policy) nor, for a deadline, on the day
its period ends (``valid_until``, the first day out of force: it could never be overdue).
Refused per entry ``dates_out_of_order`` at the date's field; nothing stored or listed."""

from __future__ import annotations

from datetime import timedelta

from app_support import CREDIT_CODE
from test_broken_commitment_listings import city_with_policy, pushed_at, tick_at
from test_commitment_routes import commitment

from gateway_client.contract import china_date


def test_a_breach_dated_before_the_promise_applied_is_refused_and_never_listed(gateway):
    with city_with_policy(gateway) as (city, clock):
        clock.advance(timedelta(days=5))  # the policy was set five days ago
        today = china_date(clock.now())
        entry = commitment(outcome="broken", outcome_on=(today - timedelta(days=3)).isoformat())
        entry["decided_on"] = (today - timedelta(days=4)).isoformat()
        entry["valid_from"] = (today - timedelta(days=1)).isoformat()  # applies from yesterday
        entry["commitment"]["deadline"] = (today + timedelta(days=5)).isoformat()
        entry["source_updated_at"] = clock.now().isoformat()

        reply = pushed_at(gateway, city, clock, [entry])
        ticked = tick_at(gateway, clock)

        assert reply["accepted"] == 0, reply
        assert [(e["field"], e["code"]) for e in reply["errors"]] == [
            ("commitment.outcome_on", "dates_out_of_order")
        ]
        assert ticked["broken_commitments_listed"] == 0
        view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
        assert view.status_code == 404  # nothing stored, nothing listed


def test_a_deadline_before_the_promise_applies_is_refused(gateway):
    with city_with_policy(gateway) as (city, clock):
        today = china_date(clock.now())
        entry = commitment()
        entry["decided_on"] = (today - timedelta(days=10)).isoformat()
        entry["valid_from"] = (today - timedelta(days=1)).isoformat()
        entry["commitment"]["deadline"] = (today - timedelta(days=5)).isoformat()
        entry["source_updated_at"] = clock.now().isoformat()

        reply = pushed_at(gateway, city, clock, [entry])

        assert reply["accepted"] == 0, reply
        assert reply["errors"][0]["field"] == "commitment.deadline"
        assert reply["errors"][0]["code"] == "dates_out_of_order"
        view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
        assert view.status_code == 404


def test_a_deadline_on_the_day_the_promise_stops_applying_is_refused(gateway):
    """``valid_until`` is the first day out (the tick expires the listing that morning): a
    deadline on that day falls outside the promise's period, so the promise can never be
    overdue nor its breach recorded (a push after the deadline is ``period_ended``)."""
    with city_with_policy(gateway) as (city, clock):
        today = china_date(clock.now())
        entry = commitment()
        entry["commitment"]["deadline"] = (today + timedelta(days=3)).isoformat()
        entry["valid_until"] = (today + timedelta(days=3)).isoformat()
        entry["source_updated_at"] = clock.now().isoformat()

        reply = pushed_at(gateway, city, clock, [entry])

        assert reply["accepted"] == 0, reply
        assert reply["errors"][0]["field"] == "commitment.deadline"
        assert reply["errors"][0]["code"] == "dates_out_of_order"
