"""A replay restates each delivery as it was first sent (reviews 245, 246): fan-out recognises a
change as of the day it fans it out (review 130), so a change accepted just before Beijing
midnight and fanned out after it may be sent under an agreement that began, or not under one
that ended, at that midnight; replayed, the same webhook id came with the recognition of the
change's own day instead — the opposite of what the subscriber was told."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    queued_messages,
    reevaluate,
    two_daye_subjects,
)
from test_midnight_fanout import _world, beijing, late_fan_out

from chalicelib.bootstrap import container
from gateway_client.contract import Recognition, china_date


def _replayed(gateway, queue, receiver, subscription_id, midnight):
    """What a replay of the whole log sends, just after the late fan-out."""
    before = len(receiver.requests)
    with time_machine.travel(beijing(midnight, 0, 10), tick=True):
        replayed = gateway.client.http.post(
            f"/v1/subscriptions/{subscription_id}/replay",
            headers=gateway.operator(),
            body=json.dumps({"from_sequence": 1}).encode(),
        )
        assert replayed.status_code == 202, replayed.json_body
        queue.run()
    return [json.loads(r.body) for r in receiver.requests[before:]]


@pytest.mark.parametrize(
    ("date_field", "recognised_only"),
    [("effective_until", False), ("effective_from", False), ("effective_from", True)],
    ids=["ended at midnight", "began at midnight", "began, recognised_only"],
)
def test_a_replay_says_what_the_delivery_first_said(
    gateway, receiver, stream, aws, queue, date_field, recognised_only
):
    """With ``recognised_only``, planned anew as of the change's day, the listing was not
    recognised then, and the replay left out what the subscriber was sent."""
    today = china_date(datetime.now(UTC))
    midnight = today + timedelta(days=1)
    daye = _world(gateway, receiver, aws, recognised_only, **{date_field: midnight.isoformat()})
    late_fan_out(gateway, stream, aws, queue, daye, today)
    first = [json.loads(r.body) for r in receiver.requests]
    [original] = [b for b in first if b["type"] == "listing.changed"]

    sent = _replayed(gateway, queue, receiver, original["subscription_id"], midnight)

    again = [b for b in sent if b.get("delivery_id") == original["delivery_id"]]
    assert len(again) == 1
    assert again[0]["recognition"] == original["recognition"]
    assert again[0]["data"]["listing"] == original["data"]["listing"]


@pytest.mark.parametrize("date_field", ["effective_until", "effective_from"])
def test_a_replay_of_a_batched_line_says_what_the_batch_said(
    gateway, receiver, stream, aws, queue, date_field
):
    today = china_date(datetime.now(UTC))
    midnight = today + timedelta(days=1)
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url, delivery_mode="batched")
    assert sub.status_code == 201, sub.json_body
    made = create_agreement(gateway, agreement_terms(**{date_field: midnight.isoformat()}))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    late_fan_out(gateway, stream, aws, queue, daye, today, two_daye_subjects())
    [batch] = [b for b in (json.loads(r.body) for r in receiver.requests) if "batch_id" in b]

    sent = _replayed(gateway, queue, receiver, sub.json_body["subscription_id"], midnight)

    again = [b for b in sent if b.get("type") == "listing.changed"]
    assert len(again) == 2, [b.get("type") for b in again]
    for body in again:
        found = container().deliveries.line(batch["batch_id"], body["delivery_id"])
        assert found is not None, "the batch's line under the replay's webhook id"
        _, _, delivered_with = found
        # what the batch told the subscriber under this webhook id, the replay says again
        assert Recognition.model_validate(body["recognition"]) == delivered_with
