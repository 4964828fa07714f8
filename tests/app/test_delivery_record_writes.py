"""What the delivery handler writes to the delivery log: a delivery its endpoint accepts at
the first attempt is one write, the whole record; a message received again is noted before it
is sent; a duplicate of a delivered one writes nothing and is counted once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app_support import CITY, HUNAN, black_entry, sqs_event

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.delivery.records import DeliveryState

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Context:
    """A Lambda context with a minute left: more than a request's timeout."""

    aws_request_id: str = "req-1"
    function_name: str = "deliver-webhooks"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def queued_delivery(gateway: Any, aws: Any, stream: Any, url: str) -> dict[str, Any]:
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=url).status_code == 201
    signer = gateway.register_platform(CITY)
    assert gateway.push(signer, CITY, [black_entry()]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    return sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], "cn-northwest-1")


def writes(act: Callable[[], object]) -> dict[str, list[str]]:
    """The write calls ``act`` makes through the gateway's client to the delivery log
    (``deliveries``) and to the table holding the statistics counters (``counters``)."""
    settings = container().settings
    tables = {settings.deliveries_table: "deliveries", settings.batches_table: "counters"}
    calls: dict[str, list[str]] = {"deliveries": [], "counters": []}

    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in WRITES and params.get("TableName") in tables:
            calls[tables[params["TableName"]]].append(model.name)

    events = container().aws_clients["dynamodb"].meta.events
    events.register("before-parameter-build.dynamodb", count)
    try:
        act()
    finally:
        events.unregister("before-parameter-build.dynamodb", count)
    return calls


def received_again(event: dict[str, Any]) -> dict[str, Any]:
    for record in event["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = "2"
    return event


def test_a_delivery_accepted_at_its_first_attempt_is_one_write(gateway, aws, stream, receiver):
    event = queued_delivery(gateway, aws, stream, receiver.url)

    made = writes(lambda: gateway_app.deliver_webhooks(event, Context()))

    assert made["deliveries"] == ["UpdateItem"]
    [request] = receiver.requests
    assert container().deliveries.state(request.headers["webhook-id"]) is DeliveryState.DELIVERED


def test_a_message_received_again_is_noted_before_it_is_sent(gateway, aws, stream, receiver):
    event = received_again(queued_delivery(gateway, aws, stream, receiver.url))

    made = writes(lambda: gateway_app.deliver_webhooks(event, Context()))

    assert made["deliveries"] == ["UpdateItem", "UpdateItem"]


def test_a_duplicate_of_a_delivered_message_writes_nothing_and_is_counted_once(
    gateway, aws, stream, receiver
):
    event = queued_delivery(gateway, aws, stream, receiver.url)
    gateway_app.deliver_webhooks(event, Context())

    again = received_again(event)

    made = writes(lambda: gateway_app.deliver_webhooks(again, Context()))

    assert made == {"deliveries": [], "counters": []}  # nothing counted again
    assert len(receiver.requests) == 1
    [subscription] = container().subscriptions.all()
    [listed] = container().deliveries.for_subscription(subscription.subscription_id)
    assert (listed["state"], len(listed["attempts"])) == ("delivered", 1)
