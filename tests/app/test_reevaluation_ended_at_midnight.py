"""A listing whose period ended at midnight Beijing is read as expired by every lookup
(``lifecycle.as_on``) before the tick writes it: an agreement's re-evaluation run in that
window judges it so too, and tells no region it is newly recognised, its person's number in
full — neither a revision's job nor the tick's own date job (which the tick starts before it
expires anything, and whose Lambda runs beside it). Review 295."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from app_support import (
    DAYE,
    HUNAN,
    NATURAL_PERSON_CODE,
    agreement_terms,
    create_agreement,
    queued_messages,
    reevaluate,
)
from lifecycle_support import china_today, pushed
from personal_support import person_entry

import app as gateway_app
from chalicelib import bootstrap
from chalicelib.reevaluations import isolated_tick
from gateway_client.contract.clock import CHINA, FixedClock


@pytest.fixture(autouse=True)
def _clock_reset():
    yield
    bootstrap.override_clock(None)


def _setup(gateway, aws, receiver, stream):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201
    ends = china_today() + timedelta(days=1)
    recent = (china_today() - timedelta(days=1)).isoformat()
    entry = person_entry(decided_on=recent, valid_from=recent, valid_until=ends.isoformat())
    listing_id = pushed(gateway, daye, DAYE, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])  # its own fan-out (masked)
    return listing_id, ends


def _told(aws, listing_id):
    return [
        d
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.change.listing.listing_id == listing_id
    ]


def test_revision_job_does_not_recognise_a_listing_expired_before_the_tick(
    gateway, aws, receiver, stream
):
    listing_id, ends = _setup(gateway, aws, receiver, stream)
    midnight = datetime.combine(ends, time(), CHINA)
    bootstrap.override_clock(FixedClock(midnight + timedelta(minutes=10)))  # before the tick
    seen = gateway.client.http.get(
        f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision&as={HUNAN}",
        headers=gateway.operator(),
    )
    assert seen.json_body["listings"][0]["listing"]["status"] == "expired"  # lookups: ended

    made = create_agreement(gateway, agreement_terms())
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    recognised = [d for d in _told(aws, listing_id) if d.recognition.recognised]
    assert recognised == [], [
        (d.type, d.change.listing.status, d.change.listing.credit_code) for d in recognised
    ]


def test_date_job_does_not_recognise_a_listing_expired_the_same_midnight(
    gateway, aws, receiver, stream
):
    listing_id, ends = _setup(gateway, aws, receiver, stream)
    # signed today, in effect from the day the listing's period ends
    made = create_agreement(gateway, agreement_terms(effective_from=ends.isoformat()))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    assert _told(aws, listing_id) == []  # not in effect yet

    at = datetime.combine(ends, time(), CHINA) + timedelta(minutes=5)
    bootstrap.override_clock(FixedClock(at))
    # the tick's first step (events.tick): the day's date jobs, started before any expiry;
    # their runner (another Lambda, on the SQS trigger) does not wait for the expiries
    started, failed = isolated_tick(bootstrap.container(), at)
    assert failed is None
    assert started["reevaluations_started"] == 1
    reevaluate(aws)
    recognised = [d for d in _told(aws, listing_id) if d.recognition.recognised]
    assert recognised == [], [
        (d.type, d.change.listing.status, d.change.listing.credit_code) for d in recognised
    ]


def test_the_subscriber_never_receives_the_expired_persons_number_in_full(
    gateway, aws, receiver, stream, queue
):
    _, ends = _setup(gateway, aws, receiver, stream)
    receiver.requests.clear()
    midnight = datetime.combine(ends, time(), CHINA)
    bootstrap.override_clock(FixedClock(midnight + timedelta(minutes=10)))  # before the tick
    made = create_agreement(gateway, agreement_terms())
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    queue.run()  # the delivery function's attempt, still before the tick
    bodies = [r.body.decode() for r in receiver.requests]
    leaked = [b for b in bodies if NATURAL_PERSON_CODE in b]
    assert leaked == [], leaked[0][:300]
