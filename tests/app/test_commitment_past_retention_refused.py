"""A commitment involving an individual is erased five years after its outcome: one pushed
after that day is refused per entry (``period_ended`` at ``commitment.outcome_on``), nothing
stored or sent, as a black listing whose period ended is (review 296: it was stored, sent to
every subscriber, and kept a year more for the evidence window). One within its five years, and
an organisation's, are taken."""

from __future__ import annotations

from datetime import timedelta

import pytest
from app_support import CITY, NATURAL_PERSON_CODE
from test_commitment_routes import TODAY, commitment, push


def settled(outcome: str, days_ago: int, person: bool) -> dict:
    on = (TODAY - timedelta(days=days_ago)).isoformat()
    entry = {
        **commitment(1, kind="voluntary", deadline=None, outcome=outcome, outcome_on=on),
        "decided_on": on,
        "valid_from": on,
    }
    entry["commitment"].pop("deadline")
    if person:
        entry |= {"credit_code": NATURAL_PERSON_CODE, "subject_name": "张某某"}
    return entry


@pytest.mark.parametrize("outcome", ["kept", "broken"])
def test_a_persons_commitment_settled_past_retention_is_refused(gateway, outcome):
    city = gateway.register_platform(CITY)

    reply = push(gateway, city, CITY, settled(outcome, 366 * 6, person=True))

    assert reply["accepted"] == 0, reply
    [error] = reply["errors"]
    assert (error["field"], error["code"]) == ("commitment.outcome_on", "period_ended")


@pytest.mark.parametrize(("days_ago", "person"), [(365 * 4, True), (366 * 6, False)])
def test_within_retention_or_of_no_person_it_is_taken(gateway, days_ago, person):
    city = gateway.register_platform(CITY)

    reply = push(gateway, city, CITY, settled("kept", days_ago, person))

    assert (reply["accepted"], reply["errors"]) == (1, [])


def test_the_refusal_follows_the_configured_retention(gateway):
    """``CG_RETENTION_YEARS``, the purge's, is the intake's too (review 297: a fixed five years
    took in, to be erased at the next tick, a commitment settled four years before under three)."""
    gateway.configure(retention_years="3")
    city = gateway.register_platform(CITY)

    reply = push(gateway, city, CITY, settled("kept", 365 * 4, person=True))

    assert reply["accepted"] == 0, reply
    [error] = reply["errors"]
    assert (error["field"], error["code"]) == ("commitment.outcome_on", "period_ended")
    assert "3 years" in error["message"]
