"""An agreement signed today that ends tomorrow (``effective_until`` is its first day out), its
re-evaluation's trigger lost: tomorrow's tick stores the end date's job and starts the revision's
again, and the two run in either order. Whichever runs last, what the subscriber heard last is
what is in force on the day they run — not recognised."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from app_support import (
    DAYE,
    HUBEI,
    HUNAN,
    OTHER_CREDIT_CODE,
    agreement_terms,
    consume,
    create_agreement,
    daye_black_entry,
    queued_messages,
    sqs_event,
)
from botocore.exceptions import ClientError
from lifecycle_support import Lifecycle

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


def _recognised_last(aws: Any) -> dict[str, bool]:
    last: dict[str, bool] = {}
    for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"]):
        if d.type == "recognition.changed":
            last[d.change.listing.listing_id] = d.recognition.recognised
    return last


@pytest.mark.parametrize("date_job_first", [True, False], ids=["date-job-first", "revision-first"])
def test_a_revision_job_run_after_its_day_ends_on_what_is_in_force(
    gateway, aws, receiver, stream, date_job_first
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    gateway.put_region(HUBEI, name="湖北省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    today = china_date(datetime.now(UTC))
    recent = (today - timedelta(days=1)).isoformat()
    entries = [
        daye_black_entry(decided_on=recent, valid_from=recent),
        daye_black_entry(
            credit_code=OTHER_CREDIT_CODE,
            decision_number="(2024)鄂0281执7号",
            decided_on=recent,
            valid_from=recent,
        ),
    ]
    assert gateway.push(daye, DAYE, entries).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    listed = {
        d.change.listing.listing_id
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    }
    tomorrow = today + timedelta(days=1)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "SendMessage")

    sqs = bootstrap.container().aws_clients["sqs"]
    sqs.meta.events.register("before-call.sqs.SendMessage", refuse)  # the trigger is lost
    signed = create_agreement(gateway, agreement_terms(effective_until=tomorrow.isoformat()))
    sqs.meta.events.unregister("before-call.sqs.SendMessage", refuse)
    assert signed.status_code == 201, signed.json_body

    with time_machine.travel(datetime.combine(tomorrow, time(12), CHINA), tick=True):
        tick = Lifecycle(gateway).tick()
        assert tick.json_body["reevaluations_started"] == 1, tick.json_body  # the end date's
        url = aws.env["CG_REEVALUATION_QUEUE_URL"]
        event = sqs_event(aws.sqs, url, "cn-northwest-1")
        records = sorted(
            event["Records"],
            key=lambda r: ("#" in json.loads(r["body"])["job_id"]) != date_job_first,
        )
        assert len(records) == 2
        for record in records:
            gateway_app.reevaluate_agreements({"Records": [record]}, None)
        consume(aws.sqs, url, event)

    assert _recognised_last(aws) == dict.fromkeys(listed, False)
