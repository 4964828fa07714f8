"""The Lambda handlers end to end in-process: stream → fan-out → queue → signed webhook POST."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    PROVINCE,
    black_entry,
    consume,
    sqs_event,
)

import app as gateway_app
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery.planning import Delivery
from gateway.delivery.records import DeliveryState
from gateway_client.contract.signing import load_public_key
from gateway_client.receiver import verify_delivery


def queued(aws) -> dict:  # type: ignore[no-untyped-def]
    return sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], "cn-northwest-1")


def delivery_state(aws, delivery_id: str) -> DeliveryState | None:  # type: ignore[no-untyped-def]
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    return log.state(delivery_id)


def subscribe(gateway, url: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    response = gateway.subscribe_as_operator(region=HUNAN, url=url, **extra)
    assert response.status_code == 201
    return response.json_body


def push_one_listing(gateway, **overrides) -> None:  # type: ignore[no-untyped-def]
    signer = gateway.register_platform(CITY)
    response = gateway.push(signer, CITY, [black_entry(**overrides)])
    assert response.json_body["accepted"] == 1


def test_a_pushed_listing_fans_out_one_delivery_per_matching_subscription(gateway, aws, stream):
    gateway.put_region(HUNAN)
    black = subscribe(gateway, "https://a.example.cn/hooks", filters={"kinds": ["black"]})
    every = subscribe(gateway, "https://b.example.cn/hooks")
    subscribe(gateway, "https://c.example.cn/hooks", filters={"kinds": ["red"]})
    gateway.put_region("110000")  # 北京市: registered, pushes nothing here
    subscribe(gateway, "https://d.example.cn/hooks", filters={"source_regions": ["110000"]})
    push_one_listing(gateway)
    event = stream.event()

    gateway_app.fan_out_changes(event, None)

    deliveries = [Delivery.model_validate_json(r["body"]) for r in queued(aws)["Records"]]
    assert sorted(d.subscription_id for d in deliveries) == sorted(
        [black["subscription_id"], every["subscription_id"]]
    )
    assert {d.change.listing.credit_code for d in deliveries} == {CREDIT_CODE}
    assert {d.change.type for d in deliveries} == {"listed"}
    assert len({d.delivery_id for d in deliveries}) == 2


def test_fan_out_through_the_lambda_test_client_queues_the_same_deliveries(gateway, aws, stream):
    gateway.put_region(HUNAN)
    subscribe(gateway, "https://a.example.cn/hooks")
    push_one_listing(gateway)

    gateway.client.lambda_.invoke("fan_out_changes", stream.event())

    assert len(queued(aws)["Records"]) == 1


def test_a_provenance_only_update_fans_out_nothing(gateway, aws, stream):
    gateway.put_region(HUNAN)
    subscribe(gateway, "https://a.example.cn/hooks")
    push_one_listing(gateway)
    gateway_app.fan_out_changes(stream.event(), None)
    queued(aws)
    province = gateway.register_platform(PROVINCE)
    relayed = gateway.push(province, PROVINCE, [black_entry(origin_region=CITY)])
    assert relayed.json_body["duplicate"] == 1
    event = stream.event()
    assert [r["eventName"] for r in event["Records"]] == ["MODIFY"]

    gateway_app.fan_out_changes(event, None)

    assert queued(aws)["Records"] == []


def test_a_newer_version_fans_out_an_update_with_the_previous_version(gateway, aws, stream):
    gateway.put_region(HUNAN)
    subscribe(gateway, "https://a.example.cn/hooks")
    signer = gateway.register_platform(CITY)
    gateway.push(signer, CITY, [black_entry()])
    gateway_app.fan_out_changes(stream.event(), None)
    held = queued(aws)
    [first] = [Delivery.model_validate_json(r["body"]) for r in held["Records"]]
    consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], held)  # FIFO: the next waits for it
    gateway.push(signer, CITY, [black_entry(source_updated_at="2026-03-09T09:00:00+08:00")])

    gateway_app.fan_out_changes(stream.event(), None)

    [update] = [Delivery.model_validate_json(r["body"]) for r in queued(aws)["Records"]]
    assert update.change.type == "updated"
    assert update.change.previous_version == first.change.listing.version
    assert update.delivery_id != first.delivery_id


def test_a_queued_delivery_reaches_the_receiver_signed_by_the_gateway(
    gateway, aws, stream, receiver
):
    gateway.put_region(HUNAN)
    subscription = subscribe(gateway, receiver.url)
    push_one_listing(gateway)
    gateway_app.fan_out_changes(stream.event(), None)
    event = queued(aws)

    outcome = gateway_app.deliver_webhooks(event, None)

    assert outcome == {"batchItemFailures": []}
    [request] = receiver.requests
    assert request.path == "/hook"
    published = gateway.client.http.get("/v1/keys").json_body["keys"][0]["public_key"]
    payload = verify_delivery(
        request.headers,
        request.body,
        datetime.now(UTC),
        subscription_id=subscription["subscription_id"],
        region=HUNAN,
        public_keys=[load_public_key(published)],
    )
    assert payload.subscription_id == subscription["subscription_id"]
    assert payload.data.listing.credit_code == CREDIT_CODE
    assert request.headers["x-credit-key-id"] == "gw-test-1"
    assert delivery_state(aws, payload.delivery_id) is DeliveryState.DELIVERED


def test_a_v1_subscription_receives_deliveries_signed_with_its_secret(
    gateway, aws, stream, receiver
):
    gateway.put_region(HUNAN)
    subscription = subscribe(gateway, receiver.url, signature_scheme="v1")
    push_one_listing(gateway)
    gateway_app.fan_out_changes(stream.event(), None)

    gateway_app.deliver_webhooks(queued(aws), None)

    [request] = receiver.requests
    payload = verify_delivery(
        request.headers,
        request.body,
        datetime.now(UTC),
        subscription_id=subscription["subscription_id"],
        secret=subscription["secret"],
    )
    assert payload.subscription_id == subscription["subscription_id"]
    assert request.headers["webhook-signature"].startswith("v1,")


def test_a_duplicate_message_of_a_delivered_delivery_is_not_sent_again(
    gateway, aws, stream, receiver
):
    gateway.put_region(HUNAN)
    subscribe(gateway, receiver.url)
    push_one_listing(gateway)
    gateway_app.fan_out_changes(stream.event(), None)
    event = queued(aws)
    gateway_app.deliver_webhooks(event, None)

    outcome = gateway_app.deliver_webhooks(event, None)

    assert outcome == {"batchItemFailures": []}
    assert len(receiver.requests) == 1


def test_a_receiver_answering_500_makes_the_handler_report_the_message_for_retry(
    gateway, aws, stream, receiver
):
    receiver.status = 500
    gateway.put_region(HUNAN)
    subscribe(gateway, receiver.url)
    push_one_listing(gateway)
    gateway_app.fan_out_changes(stream.event(), None)
    event = queued(aws)
    [record] = event["Records"]

    outcome = gateway_app.deliver_webhooks(event, None)

    assert outcome == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert len(receiver.requests) == 1
    delivery = Delivery.model_validate_json(record["body"])
    assert delivery_state(aws, delivery.delivery_id) is DeliveryState.RETRYING
    assert queued(aws)["Records"] == []  # hidden until the back-off delay has passed


def test_an_unreachable_receiver_is_retried_later(gateway, aws, stream, receiver):
    gateway.put_region(HUNAN)
    subscribe(gateway, receiver.url)
    receiver.stop()
    push_one_listing(gateway)
    gateway_app.fan_out_changes(stream.event(), None)
    event = queued(aws)

    outcome = gateway_app.deliver_webhooks(event, None)

    assert [f["itemIdentifier"] for f in outcome["batchItemFailures"]] == [
        event["Records"][0]["messageId"]
    ]
    delivery = Delivery.model_validate_json(event["Records"][0]["body"])
    assert delivery_state(aws, delivery.delivery_id) is DeliveryState.RETRYING


def test_an_unparsable_message_is_reported_as_a_failure(gateway):
    event = gateway.client.events.generate_sqs_event([json.dumps({"not": "a delivery"})])

    outcome = gateway_app.deliver_webhooks(event, None)

    assert outcome == {"batchItemFailures": [{"itemIdentifier": "message-id"}]}


def test_the_last_allowed_attempt_parks_the_delivery_on_the_dead_letter_queue(
    gateway, aws, stream, receiver
):
    receiver.status = 503
    gateway.put_region(HUNAN)
    subscribe(gateway, receiver.url, retry_schedule_seconds=[0])  # two attempts in all
    push_one_listing(gateway)
    gateway_app.fan_out_changes(stream.event(), None)
    first = queued(aws)
    assert gateway_app.deliver_webhooks(first, None)["batchItemFailures"]
    second = queued(aws)

    outcome = gateway_app.deliver_webhooks(second, None)

    assert outcome == {"batchItemFailures": []}
    parked = sqs_event(aws.sqs, aws.env["CG_DELIVERY_DLQ_URL"], "cn-northwest-1")["Records"]
    [dead] = [Delivery.model_validate_json(r["body"]) for r in parked]
    assert delivery_state(aws, dead.delivery_id) is DeliveryState.DEAD
