"""An agreement beginning today, revised today to drop a measure, tells a listing fanned out
that morning (told with both measures) its narrower measures (review 273): the revision job's
before side held the previous revision as it stood yesterday, which ``carried`` trimmed to its
first measure as out of effect, and ``before_for`` restored its dates for the listing's day but
not the measures, so nothing was told. Now the agreements are carried before they are dated."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import time_machine
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    queued_messages,
    reevaluate,
    revise_agreement,
)
from lifecycle_support import Lifecycle

import app as gateway_app
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


def test_revision_on_first_day_dropping_a_measure_is_told(gateway, aws, stream, receiver):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN)
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201
    sid = sub.json_body["subscription_id"]
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200
    today = china_date(datetime.now(UTC))
    tomorrow = today + timedelta(days=1)
    terms = agreement_terms(effective_from=tomorrow.isoformat())
    made = create_agreement(gateway, terms)
    assert made.status_code == 201, made.json_body
    agreement_id = made.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    assert queued_messages(aws.sqs, url) == []

    with time_machine.travel(datetime.combine(tomorrow, time(0, 0, 20), CHINA), tick=True):
        recent = today.isoformat()
        pushed = gateway.push(daye, DAYE, [daye_black_entry(decided_on=recent, valid_from=recent)])
        assert pushed.json_body["accepted"] == 1, pushed.json_body
        gateway_app.fan_out_changes(stream.event(), None)
        [listed] = queued_messages(aws.sqs, url)
        assert listed.subscription_id == sid
        told_ids = {m.measure_id for m in listed.recognition.measures}
        assert told_ids == {"restrict_franchise", "strict_licensing_review"}, told_ids

        narrowed = dict(terms)
        narrowed["measures"] = [terms["measures"][0]]
        revised = revise_agreement(gateway, agreement_id, narrowed)
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
        told = queued_messages(aws.sqs, url)
        assert life.tick().status_code == 200  # the day's tick, a little late
        reevaluate(aws)
        told += queued_messages(aws.sqs, url)

    mine = [d for d in told if d.change.listing.listing_id == listed.change.listing.listing_id]
    assert mine, "the listing told two measures was not told it now carries only one"
    assert {m.measure_id for m in mine[-1].recognition.measures} == {"restrict_franchise"}
