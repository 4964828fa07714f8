"""Content queued before its listing's purge and delivered after it is not posted: the person's
ID number it carries stays with the gateway, the record says why, nothing is dead-lettered, and
the purge's tombstone follows as ever."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app_support import CITY, PROVINCE, Gateway, Receiver, StreamReader, consume, sqs_event
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    queued_event,
    recent_entry,
    removal_of,
)

import app as gateway_app
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery.planning import Delivery


def test_content_queued_before_the_purge_is_withheld_and_the_tombstone_follows(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life = Lifecycle(gateway)
    gateway.put_region(PROVINCE)
    subscribed = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    city = gateway.register_platform(CITY)
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        conduct_ended_on=(china_today() - timedelta(days=10)).isoformat(),
    )
    listing_id = pushed(gateway, city, CITY, person)
    fan_out_and_deliver(aws, stream)
    removed = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)  # queued, not yet delivered: a backlog
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    assert life.tick(at).json_body["purged"] == 1
    before = len(receiver.requests)

    backlog = queued_event(aws)
    outcome = gateway_app.deliver_webhooks(backlog, None)
    consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], backlog)

    assert outcome == {"batchItemFailures": []}  # settled: never retried
    assert len(receiver.requests) == before  # nothing posted
    [content] = [Delivery.model_validate_json(r["body"]) for r in backlog["Records"]]
    assert content.change.listing.listing_id == listing_id
    view = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"]).view(content.delivery_id)
    assert view is not None
    assert view["state"] == "dead"
    assert [a["not_sent"] for a in view["attempts"]] == ["erased"]
    dead_letters = sqs_event(aws.sqs, aws.env["CG_DELIVERY_DLQ_URL"], "cn-northwest-1")
    assert dead_letters["Records"] == []
    [tombstone] = fan_out_and_deliver(aws, stream)
    assert (tombstone.change.type, tombstone.change.listing.listing_id) == ("purged", listing_id)
    assert [r.headers["webhook-id"] for r in receiver.requests[before:]] == [tombstone.delivery_id]
    assert all(PERSON_CODE not in r.body.decode() for r in receiver.requests[before:])
