"""An agreement revised on the day it begins or ends, before that day's tick: the revision gets
no date job (it was re-evaluated when saved), so its re-evaluation compares the previous
revision as its subscribers were last told of it, and tells the start or the end, once
(review 94 F1)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import time_machine
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    queued_messages,
    reevaluate,
    revise_agreement,
    two_daye_subjects,
)
from lifecycle_support import Lifecycle

import app as gateway_app
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


def deliveries(aws):
    return queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])


def setup_hunan(gateway, receiver, stream, aws):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    response = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert response.status_code == 201
    pushed = gateway.push(daye, DAYE, two_daye_subjects())
    assert pushed.json_body["accepted"] == 2, pushed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    listed = deliveries(aws)
    return sorted(d.change.listing.listing_id for d in listed)


def beijing(day, hour=0, minute=5):
    return datetime.combine(day, time(hour, minute), CHINA).astimezone(UTC)


def revised_past_midnight(gateway, aws, agreement_id: str, day, terms) -> list:  # type: ignore[no-untyped-def]
    """Today's tick run, the agreement revised at 00:05 on ``day``, before that day's tick;
    then its re-evaluation and the tick's: what is queued."""
    assert Lifecycle(gateway).tick().status_code == 200  # today's tick ran
    reevaluate(aws)
    assert deliveries(aws) == []
    with time_machine.travel(beijing(day, 0, 5), tick=True):
        revised = revise_agreement(gateway, agreement_id, terms)
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
        tick = Lifecycle(gateway).tick()
        assert tick.status_code == 200, tick.json_body
        reevaluate(aws)
        return deliveries(aws)


def test_revision_on_start_day_before_tick_still_tells_the_start(gateway, receiver, stream, aws):
    ids = setup_hunan(gateway, receiver, stream, aws)
    begins = china_date(datetime.now(UTC)) + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_from=begins.isoformat()))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    assert deliveries(aws) == []  # not yet effective

    # the operator corrects the title just after midnight
    terms = agreement_terms(title="更正标题", effective_from=begins.isoformat())
    told = revised_past_midnight(
        gateway, aws, made.json_body["agreement"]["agreement_id"], begins, terms
    )

    recognised = sorted(d.change.listing.listing_id for d in told if d.recognition.recognised)
    assert recognised == ids, f"湖南 never told the agreement began: {told}"


def test_revision_on_end_day_before_tick_still_tells_the_end(gateway, receiver, stream, aws):
    ids = setup_hunan(gateway, receiver, stream, aws)
    ends = china_date(datetime.now(UTC)) + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_until=ends.isoformat()))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    first = deliveries(aws)
    assert sorted(d.change.listing.listing_id for d in first if d.recognition.recognised) == ids

    # on the first day out the operator renews the memorandum from ten days later (a gap)
    terms = agreement_terms(effective_from=(ends + timedelta(days=10)).isoformat())
    told = revised_past_midnight(
        gateway, aws, made.json_body["agreement"]["agreement_id"], ends, terms
    )

    withdrawn = sorted(d.change.listing.listing_id for d in told if not d.recognition.recognised)
    assert withdrawn == ids, f"湖南 never told the agreement ended: {told}"
