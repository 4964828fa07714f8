"""A replay's record on the provisioned table: under its own key, naming the delivery it sent
again, rebuilt as that replay, and never counted as a second delivery (live or rebuilt)."""

from __future__ import annotations

from typing import Any

from integration_support import ACCEPTED_AT, attempt, delivery_for, stats_sources
from test_batch_settling import delivered_count

from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.statistics import DynamoStatistics
from gateway.delivery.planning import Delivery, replay_record_id
from gateway.delivery.records import DeliveryState
from gateway.delivery.redelivery import resend_of

SUB = "sub_hn"


def replayed(original: Delivery) -> Delivery:
    return original.model_copy(
        update={"replay": True, "record_id": replay_record_id(original.delivery_id, "t1")}
    )


def test_a_replay_is_recorded_apart_and_rebuilt_as_that_replay(aws: Any) -> None:
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    original = delivery_for(SUB)
    log.record(original, attempt(204), DeliveryState.DELIVERED)
    again = replayed(original)

    log.record(again, attempt(503), DeliveryState.RETRYING)

    assert again.record_key != original.delivery_id
    assert log.progress(original.delivery_id).state is DeliveryState.DELIVERED
    assert log.progress(again.record_key) == (DeliveryState.RETRYING, 1, None, None, None)
    assert log.kept(again.record_key) == resend_of(again)
    view = log.view(again.record_key)
    assert view is not None
    assert (view["delivery_id"], view["replay_of"]) == (again.record_key, original.delivery_id)
    assert [v["delivery_id"] for v in log.for_subscription(SUB)] == [again.record_key]
    assert log.get(again.record_key) is None  # feedback is about the original, once


def test_a_replay_delivered_is_counted_neither_live_nor_in_a_rebuild(aws: Any) -> None:
    statistics = DynamoStatistics(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], statistics)
    original = delivery_for(SUB)
    log.record(original, attempt(204), DeliveryState.DELIVERED)

    log.record(replayed(original), attempt(204, seconds=60), DeliveryState.DELIVERED)

    assert delivered_count(statistics) == 1
    sources = stats_sources(aws)
    found, _ = sources.delivered(ACCEPTED_AT.isoformat(), None, 100)
    assert [d.delivery_id for d, _ in found] == [original.delivery_id]
