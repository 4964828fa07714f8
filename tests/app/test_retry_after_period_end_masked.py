"""A delivery's attempt judges the listing "as it stands" for masking
(``redelivery.shown_today``) as reads judge it (``lifecycle.as_on``): a retry made after the
listing's period ended at midnight, before the tick has written the expiry, posts the person's
number masked, as every lookup already calls the listing expired (review 295: in full)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from app_support import DAYE, HUNAN, NATURAL_PERSON_CODE, agreement_terms, create_agreement
from delivery_support import AnsweringReceiver, subscribe
from lifecycle_support import china_today, pushed
from personal_support import person_entry

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA, FixedClock


@pytest.fixture(autouse=True)
def _clock_reset():
    yield
    bootstrap.override_clock(None)


def test_a_retry_after_the_period_ended_sends_no_number_in_full(gateway, aws, stream, queue):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert create_agreement(gateway, agreement_terms()).status_code == 201
    with AnsweringReceiver() as hook:
        subscribe(gateway, hook.url, region=HUNAN, retry_schedule_seconds=[0, 0, 0])
        hook.answer(500, "down")
        ends = china_today() + timedelta(days=1)
        recent = (china_today() - timedelta(days=1)).isoformat()
        entry = person_entry(decided_on=recent, valid_from=recent, valid_until=ends.isoformat())
        pushed(gateway, daye, DAYE, entry)
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        first = len(hook.requests)
        assert first
        assert NATURAL_PERSON_CODE.encode() in hook.requests[0].body

        midnight = datetime.combine(ends, time(), CHINA)
        bootstrap.override_clock(FixedClock(midnight + timedelta(minutes=10)))  # before the tick
        hook.answer(204, "")
        for _ in range(3):
            queue.run()
        later = [r.body for r in hook.requests[first:]]
        assert later, "no retry made"
        assert not [b for b in later if NATURAL_PERSON_CODE.encode() in b], later[0][:200]
