"""An agreement ended on its first morning (before the day's tick) lowers the intensified flag
a fan-out raised that morning (review 273): the flag was counted under ``Comparison.before``
(as it stood the day before: not in effect), so nothing flipped, and the subscriber kept the
subject flagged for intensified punishment under no agreement. Now each listing is counted as
it was last told (``before_for``)."""

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


def test_flag_raised_on_first_morning_is_lowered_when_the_agreement_ends(
    gateway, aws, stream, receiver
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN)
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200
    today = china_date(datetime.now(UTC))
    tomorrow = today + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_from=tomorrow.isoformat()))
    assert made.status_code == 201, made.json_body
    agreement_id = made.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    assert queued_messages(aws.sqs, url) == []

    recent = today.isoformat()
    entries = [
        daye_black_entry(decided_on=recent, valid_from=recent),
        daye_black_entry(
            domain="food_drug",
            deciding_authority="大冶市市场监督管理局",
            decision_number="大市监罚〔2024〕1号",
            decided_on=recent,
            valid_from=recent,
        ),
    ]
    with time_machine.travel(datetime.combine(tomorrow, time(0, 0, 20), CHINA), tick=True):
        pushed = gateway.push(daye, DAYE, entries)
        assert pushed.json_body["accepted"] == 2, pushed.json_body
        gateway_app.fan_out_changes(stream.event(), None)
        first = queued_messages(aws.sqs, url)
        flags = [d.intensified.intensified for d in first if d.intensified is not None]
        assert flags == [True], [(d.type, d.intensified) for d in first]

        assert end_agreement(gateway, agreement_id).status_code == 200
        reevaluate(aws)
        told = queued_messages(aws.sqs, url)
        assert life.tick().status_code == 200
        reevaluate(aws)
        told += queued_messages(aws.sqs, url)

    assert [d.recognition.recognised for d in told if d.intensified is None] == [False, False]
    lowered = [d.intensified.intensified for d in told if d.intensified is not None]
    assert lowered == [False], "the flag raised that morning was never lowered"
