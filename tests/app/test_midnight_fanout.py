"""A listing accepted just before Beijing midnight, fanned out after the next day's tick has
re-evaluated the agreement that ended (or began) at that midnight: the subscriber's last word on
it is the recognition in force when it is sent, not yesterday's (review 130)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    queued_messages,
    reevaluate,
)
from lifecycle_support import Lifecycle

import app as gateway_app
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


def beijing(day, hour, minute, second=0):
    return datetime.combine(day, time(hour, minute, second), CHINA).astimezone(UTC)


def _world(gateway, receiver, aws, recognised_only=False, **agreement):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    sub = gateway.subscribe_as_operator(
        region=HUNAN, url=receiver.url, recognised_only=recognised_only
    )
    assert sub.status_code == 201, sub.json_body
    made = create_agreement(gateway, agreement_terms(**agreement))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    return daye


def late_fan_out(gateway, stream, aws, queue, daye, today, entries=None):
    """``entries`` (one black entry decided yesterday) pushed at 23:59:50 and fanned out, after
    the next day's tick, at 00:05: the stream ran late."""
    midnight = today + timedelta(days=1)
    recent = (today - timedelta(days=1)).isoformat()
    entries = entries or [daye_black_entry(decided_on=recent, valid_from=recent)]
    with time_machine.travel(beijing(today, 23, 59, 50), tick=True):
        pushed = gateway.push(daye, DAYE, entries)
        assert pushed.json_body["accepted"] == len(entries), pushed.json_body
    with time_machine.travel(beijing(midnight, 0, 5), tick=True):
        assert Lifecycle(gateway).tick().status_code == 200
        reevaluate(aws)
        gateway_app.fan_out_changes(stream.event(), None)
        reevaluate(aws)
        for _ in range(3):
            queue.run()


@pytest.mark.parametrize(
    ("date_field", "recognised"), [("effective_until", False), ("effective_from", True)]
)
def test_the_last_word_is_the_recognition_in_force_when_sent(
    gateway, receiver, stream, aws, queue, date_field, recognised
):
    """The agreement ends (or begins) at the midnight between the push and its fan-out."""
    today = china_date(datetime.now(UTC))
    midnight = {date_field: (today + timedelta(days=1)).isoformat()}
    daye = _world(gateway, receiver, aws, **midnight)

    late_fan_out(gateway, stream, aws, queue, daye, today)
    bodies = [json.loads(r.body) for r in receiver.requests]
    told = [b for b in bodies if b["type"] in ("listing.changed", "recognition.changed")]

    assert told
    assert told[-1]["recognition"]["recognised"] is recognised
