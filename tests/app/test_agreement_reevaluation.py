"""An agreement's re-evaluation runs after the reply, from a job saved with the revision: a
lost trigger only delays it (the tick starts it), a run out of time continues in the next
invocation with the same deliveries, a revision saved twice is a 409 that writes nothing, no
listing is ever scanned for it, and the tick re-evaluates an agreement on the day it begins
and on the day it ends, only then."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from app_support import (
    DAYE,
    HUNAN,
    Gateway,
    StreamReader,
    agreement_terms,
    consume,
    create_agreement,
    error_code,
    queued_messages,
    reevaluate,
    revise_agreement,
    sqs_event,
    two_daye_subjects,
)
from botocore.exceptions import ClientError
from lifecycle_support import Lifecycle

import app as gateway_app
from chalicelib import bootstrap
from gateway.delivery import Delivery
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


@dataclass
class Hunan:
    subscription_id: str
    listing_ids: list[str]


@pytest.fixture
def hunan(gateway: Gateway, receiver: Any, stream: StreamReader, aws: Any) -> Hunan:
    """湖南 subscribes; 大冶市 (湖北) has two subjects black-listed, fanned out already."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    response = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert response.status_code == 201
    entries = two_daye_subjects()
    pushed = gateway.push(daye, DAYE, entries)
    assert pushed.json_body["accepted"] == 2, pushed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    listed = deliveries(aws)
    return Hunan(
        response.json_body["subscription_id"], [d.change.listing.listing_id for d in listed]
    )


def deliveries(aws: Any) -> list[Delivery]:
    return queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])


def listing_scans(aws: Any) -> list[str]:
    """Scans of the listings table by the app from here on (a botocore hook)."""
    seen: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        if params.get("TableName") == aws.env["CG_LISTINGS_TABLE"]:
            seen.append("Scan")

    client = bootstrap.container().aws_clients["dynamodb"]
    client.meta.events.register("before-call.dynamodb.Scan", record)
    return seen


def test_the_reply_comes_first_and_the_job_then_queues_the_changes_without_a_scan(
    gateway, aws, hunan
):
    scans = listing_scans(aws)

    response = create_agreement(gateway, agreement_terms())

    assert response.status_code == 201
    assert deliveries(aws) == []  # nothing yet: the re-evaluation runs after the reply
    assert reevaluate(aws) == 1
    changed = deliveries(aws)
    assert sorted(d.change.listing.listing_id for d in changed) == sorted(hunan.listing_ids)
    assert {(d.type, d.subscription_id) for d in changed} == {
        ("recognition.changed", hunan.subscription_id)
    }
    assert scans == []


def signed_with_its_trigger_lost(gateway: Gateway, **terms: Any) -> Any:
    """An agreement signed while the re-evaluation queue refuses its message."""

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "SendMessage")

    sqs = bootstrap.container().aws_clients["sqs"]
    sqs.meta.events.register("before-call.sqs.SendMessage", refuse)
    try:
        return create_agreement(gateway, agreement_terms(**terms))
    finally:
        sqs.meta.events.unregister("before-call.sqs.SendMessage", refuse)


def test_a_lost_trigger_delays_the_job_until_the_tick_starts_it(gateway, aws, hunan):
    response = signed_with_its_trigger_lost(gateway)

    assert response.status_code == 201  # saved, with its job
    assert reevaluate(aws) == 0  # its message never left
    tick = Lifecycle(gateway).tick()
    assert tick.status_code == 200
    assert tick.json_body["reevaluations_triggered"] == 1
    assert reevaluate(aws) == 1
    assert len(deliveries(aws)) == 2
    assert Lifecycle(gateway).tick().json_body["reevaluations_triggered"] == 0  # finished


class ShortLived:
    """A Lambda context with time for one page: the runner stops and queues its continuation."""

    def __init__(self) -> None:
        self.asked = 0

    def get_remaining_time_in_millis(self) -> int:
        self.asked += 1
        return 200_000 if self.asked == 1 else 1_000


def test_a_run_out_of_time_continues_in_the_next_invocation_to_the_same_deliveries(
    gateway, aws, hunan
):
    create_agreement(gateway, agreement_terms())
    url = aws.env["CG_REEVALUATION_QUEUE_URL"]
    invocations = 0
    while records := sqs_event(aws.sqs, url, "cn-northwest-1")["Records"]:
        for record in records:
            gateway_app.reevaluate_agreements({"Records": [record]}, ShortLived())
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])
            invocations += 1

    stepped = deliveries(aws)
    assert invocations > 1
    assert sorted(d.change.listing.listing_id for d in stepped) == sorted(hunan.listing_ids)
    assert Counter(d.delivery_id for d in stepped).most_common(1)[0][1] == 1


def test_a_revision_saved_meanwhile_is_a_conflict_and_nothing_is_written(gateway, aws, hunan):
    signed = create_agreement(gateway, agreement_terms()).json_body["agreement"]
    reevaluate(aws)
    deliveries(aws)
    # Another request saves revision 2 between this request's read and its write.
    c = bootstrap.container()
    desk = c.agreement_desk
    held = desk.existing(signed["agreement_id"])
    stale = desk.existing
    desk.existing = lambda agreement_id: held  # type: ignore[method-assign]
    assert (
        revise_agreement(gateway, signed["agreement_id"], agreement_terms(title="甲")).status_code
        == 200
    )

    refused = revise_agreement(gateway, signed["agreement_id"], agreement_terms(title="乙"))
    desk.existing = stale  # type: ignore[method-assign]

    assert refused.status_code == 409
    assert error_code(refused) == "conflict"
    stored = c.agreements.get(signed["agreement_id"])
    assert stored is not None
    assert (stored.revision, stored.title) == (2, "甲")


def beijing_noon(day: Any) -> datetime:
    return datetime.combine(day, time(12), CHINA).astimezone(UTC)


def test_the_tick_re_evaluates_on_the_day_an_agreement_begins_and_the_day_it_ends(
    gateway, aws, hunan
):
    today = china_date(datetime.now(UTC))
    begins, ends = today + timedelta(days=10), today + timedelta(days=20)
    terms = agreement_terms(effective_from=begins.isoformat(), effective_until=ends.isoformat())
    create_agreement(gateway, terms)
    assert reevaluate(aws) == 1
    assert deliveries(aws) == []  # not in effect yet: nothing changes today
    life = Lifecycle(gateway)

    def tick_on(day: Any) -> tuple[int, list[Delivery]]:
        reply = life.tick(beijing_noon(day))
        assert reply.status_code == 200, reply.json_body
        reevaluate(aws)
        return reply.json_body["reevaluations_started"], deliveries(aws)

    assert tick_on(begins - timedelta(days=1)) == (0, [])
    started, recognised = tick_on(begins)
    assert started == 1
    assert sorted(d.change.listing.listing_id for d in recognised) == sorted(hunan.listing_ids)
    assert all(d.recognition.recognised for d in recognised)
    assert tick_on(begins) == (0, [])  # the hourly tick: once a day
    assert tick_on(begins + timedelta(days=1)) == (0, [])
    assert tick_on(ends - timedelta(days=1)) == (0, [])
    started, withdrawn = tick_on(ends)  # effective_until is the first day out of effect
    assert started == 1
    assert len(withdrawn) == 2
    assert not any(d.recognition.recognised for d in withdrawn)
    assert {d.delivery_id for d in withdrawn}.isdisjoint({d.delivery_id for d in recognised})


@pytest.mark.parametrize("date_job_first", [True, False], ids=["date-job-first", "revision-first"])
def test_a_revision_job_run_after_its_day_ends_on_what_is_in_force(
    gateway: Gateway, aws: Any, hunan: Hunan, date_job_first: bool
) -> None:
    """Signed today, ending tomorrow (``effective_until`` is the first day out), its trigger
    lost: tomorrow's tick stores the end date's job and starts the revision's again, and they
    run in either order. What 湖南 hears last is what is in force the day they run."""
    tomorrow = china_date(datetime.now(UTC)) + timedelta(days=1)
    signed = signed_with_its_trigger_lost(gateway, effective_until=tomorrow.isoformat())
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

    last = {
        d.change.listing.listing_id: d.recognition.recognised
        for d in deliveries(aws)
        if d.type == "recognition.changed"
    }
    assert last == dict.fromkeys(hunan.listing_ids, False)
