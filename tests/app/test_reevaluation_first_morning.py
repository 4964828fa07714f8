"""An agreement ended on the day it began, before that day's tick, is told as ended to a
subscriber that a listing's fan-out told that morning the listing was recognised (review 271):
the revision job compared the previous revision as it stood the day before (not in effect),
so a listing fanned out in full under it was left `recognised: true` — a person's ID number in
full, measures to apply — with no agreement at all."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import time_machine
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    end_agreement,
    queued_messages,
    reevaluate,
)
from lifecycle_support import Lifecycle

import app as gateway_app
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


def test_an_agreement_ended_on_its_first_morning_tells_what_its_fan_out_recognised(
    gateway, aws, stream, receiver
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN)
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201
    sid = sub.json_body["subscription_id"]
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200  # today's date jobs are stored
    today = china_date(datetime.now(UTC))
    tomorrow = today + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_from=tomorrow.isoformat()))
    assert made.status_code == 201, made.json_body
    agreement_id = made.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    assert queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"]) == []

    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    with time_machine.travel(datetime.combine(tomorrow, time(0, 0, 20), CHINA), tick=True):
        recent = today.isoformat()
        pushed = gateway.push(daye, DAYE, [daye_black_entry(decided_on=recent, valid_from=recent)])
        assert pushed.json_body["accepted"] == 1, pushed.json_body
        gateway_app.fan_out_changes(stream.event(), None)
        [listed] = queued_messages(aws.sqs, url)
        assert listed.subscription_id == sid
        assert listed.recognition.recognised  # told: recognised, in full, with measures

        assert end_agreement(gateway, agreement_id).status_code == 200
        reevaluate(aws)
        told = queued_messages(aws.sqs, url)
        assert life.tick().status_code == 200  # the day's tick, a little late
        reevaluate(aws)
        told += queued_messages(aws.sqs, url)

    last = [
        d.recognition.recognised
        for d in told
        if d.change.listing.listing_id == listed.change.listing.listing_id
    ]
    assert last, told
    assert last[-1] is False
