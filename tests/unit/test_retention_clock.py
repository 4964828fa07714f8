"""Retention counts from the day a listing stopped applying, whatever steps land on it after
(review 36): an objection another region filed, decided years after the listing ended, or the
owner's notice of it acknowledged late, started the five years over, so a person's data was
kept for as long as the owner took to close what someone else opened."""

from __future__ import annotations

from datetime import timedelta

from builders import RESIDENT_ID, listing
from test_lifecycle import CALENDAR, FILING, HUNAN, at, decision, policy, removal_of

from gateway.lifecycle.objection_steps import decide_objection, receive_notice
from gateway.lifecycle.requests import RemovalReason
from gateway.lifecycle.retention import purge_due, retention_start
from gateway.lifecycle.rules import file_objection, remove
from gateway_client.contract import Listing, add_months, china_date

FOUR_YEARS = 24 * 365 * 4  # hours


def ended_with_an_open_objection() -> Listing:
    """A person's listing a recipient region objected to (its notice not yet given), revoked."""
    held = listing(region=HUNAN, credit_code=RESIDENT_ID, subject_name="张某某")
    objected = file_objection(held, FILING, "440000", at(0), policy(HUNAN), CALENDAR, noticed=False)
    return remove(objected, removal_of(objected, RemovalReason.REVOKED, hours=2), HUNAN, at(2))


def test_an_objection_decided_years_after_the_end_does_not_restart_retention() -> None:
    ended = ended_with_an_open_objection()

    closed = decide_objection(
        ended, decision("upheld", hours=FOUR_YEARS), HUNAN, at(FOUR_YEARS), CALENDAR
    )

    stopped = china_date(at(2))
    assert closed.status is ended.status
    assert retention_start(closed) == stopped
    assert purge_due(closed, add_months(stopped, 60) + timedelta(days=1), evidence_days=0)


def test_nor_does_its_notice_acknowledged_late() -> None:
    noticed = receive_notice(
        ended_with_an_open_objection(), "obj-1", at(24 * 30), "gateway", CALENDAR
    )

    assert noticed is not None
    assert retention_start(noticed) == china_date(at(2))
