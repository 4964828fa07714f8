"""DynamoRegistry, DynamoSubscriptions and DynamoDeliveryLog against the provisioned tables."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from integration_support import (
    ACCEPTED_AT,
    OTHER_REGION,
    REGION,
    attempt,
    delivery_for,
    listing,
)

from chalicelib.dynamodb import subscriptions as subscriptions_module
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_receipts import RegionReceipts, delivery_receipts
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.registry import DynamoRegistry
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from chalicelib.s3_archive import S3Archive
from gateway.delivery.records import Attempt, DeliveryState
from gateway.delivery.subscription import Subscription
from gateway.registry import PlatformKey, Region
from gateway_client.contract.filters import SubscriptionFilters
from gateway_client.contract.signing import generate_signing_key, load_private_key, public_key_text


@pytest.fixture
def registry(aws) -> DynamoRegistry:
    return DynamoRegistry(aws.dynamodb, aws.env["CG_REGISTRY_TABLE"])


@pytest.fixture
def subscriptions(aws) -> DynamoSubscriptions:
    return DynamoSubscriptions(
        aws.dynamodb, aws.env["CG_SUBSCRIPTIONS_TABLE"], aws.env["CG_EXCHANGE_LOG_TABLE"]
    )


@pytest.fixture
def deliveries(aws) -> DynamoDeliveryLog:
    return DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])


def platform_key(key_id: str, region: str) -> PlatformKey:
    public = public_key_text(load_private_key(generate_signing_key()))
    return PlatformKey(
        key_id=key_id,
        region=region,
        public_key=public,
        valid_from=ACCEPTED_AT,
        valid_until=ACCEPTED_AT + timedelta(days=365),
    )


def subscription(subscription_id: str, **overrides) -> Subscription:  # type: ignore[no-untyped-def]
    fields = {
        "region": OTHER_REGION,
        "url": "https://credit.hunan.example.cn/hooks/gateway",
        "filters": SubscriptionFilters(kinds=("black",), source_regions=(REGION,)),
        "subscription_id": subscription_id,
        "created_at": ACCEPTED_AT,
    }
    fields.update(overrides)
    return Subscription.model_validate(fields)


def attempts_of(aws, delivery_id: str) -> list[Attempt]:  # type: ignore[no-untyped-def]
    item = aws.dynamodb.get_item(
        TableName=aws.env["CG_DELIVERIES_TABLE"],
        Key={"delivery_id": {"S": delivery_id}},
        ConsistentRead=True,
    )["Item"]
    return [Attempt.model_validate(json.loads(x["S"])) for x in item["attempts"]["L"]]


def test_a_stored_region_reads_back_equal(registry):
    region = Region(code=REGION, name="七台河市")

    registry.put_region(region)

    assert registry.get_region(REGION) == region
    assert registry.get_region(OTHER_REGION) is None


def test_a_stored_platform_key_reads_back_equal_and_unknown_keys_are_none(registry):
    key = platform_key("qth-platform-1", REGION)

    registry.put_key(key)

    assert registry.get_key("qth-platform-1") == key
    assert registry.get_key("qth-platform-2") is None


def test_a_region_and_a_key_with_the_same_code_do_not_collide(registry):
    registry.put_region(Region(code=REGION, name="七台河市"))
    registry.put_key(platform_key(REGION, REGION))

    assert registry.get_region(REGION) == Region(code=REGION, name="七台河市")
    assert registry.get_key(REGION) is not None


def test_a_stored_subscription_reads_back_equal(subscriptions):
    stored = subscription("sub_1", signature_scheme="v1", secret="whsec_c2VjcmV0")

    subscriptions.put(stored)

    assert subscriptions.get("sub_1") == stored
    assert subscriptions.get("sub_2") is None


def test_all_subscriptions_lists_every_stored_one(subscriptions):
    stored = [subscription(f"sub_{n}") for n in range(5)]
    for each in stored:
        subscriptions.put(each)

    found = subscriptions.all()

    assert sorted(found, key=lambda x: x.subscription_id) == stored


def test_putting_a_subscription_again_replaces_it(subscriptions):
    subscriptions.put(subscription("sub_1"))
    disabled = subscription("sub_1", enabled=False)

    subscriptions.put(disabled)

    assert subscriptions.get("sub_1") == disabled
    assert len(subscriptions.all()) == 1


def test_a_deleted_subscription_is_gone_and_kept_among_its_region_s_retired_ones(subscriptions):
    for n, region in ((1, OTHER_REGION), (2, OTHER_REGION), (3, REGION)):
        subscriptions.put(subscription(f"sub_{n}", region=region))

    subscriptions.delete("sub_1")
    subscriptions.delete("sub_3")
    subscriptions.delete("sub_9")  # never stored: nothing to retire

    assert [x.subscription_id for x in subscriptions.all()] == ["sub_2"]
    assert subscriptions.get("sub_1") is None
    assert (subscriptions.retired(OTHER_REGION), subscriptions.retired(REGION)) == (
        {"sub_1"},
        {"sub_3"},
    )
    assert subscriptions.get(f"retired#{OTHER_REGION}") is None  # no subscription of its own


def test_a_region_s_retired_ids_stop_growing_at_the_bound(subscriptions, monkeypatch):
    monkeypatch.setattr(subscriptions_module, "RETIRED_KEPT", 2)
    for n in range(4):
        subscriptions.put(subscription(f"sub_{n}"))
        subscriptions.delete(f"sub_{n}")

    assert subscriptions.retired(OTHER_REGION) == {"sub_0", "sub_1"}
    assert subscriptions.all() == []
    # every one of them is marked deleted at its id, past the bound too (review 190 F3)
    assert [subscriptions.was_deleted(f"sub_{n}", OTHER_REGION) for n in range(5)] == [
        *[True] * 4,
        False,
    ]
    assert subscriptions.update("sub_3", lambda held: held) is None  # nothing to change


def test_the_delivery_log_knows_nothing_about_an_unseen_delivery(deliveries):
    assert deliveries.state("msg_unknown") is None


def test_recording_attempts_appends_them_and_keeps_the_latest_state(aws, deliveries):
    delivery = delivery_for("sub_1")

    deliveries.record(delivery, attempt(500), DeliveryState.RETRYING)
    deliveries.record(delivery, attempt(503, seconds=5), DeliveryState.RETRYING)
    deliveries.record(delivery, attempt(204, seconds=305), DeliveryState.DELIVERED)

    assert deliveries.state(delivery.delivery_id) is DeliveryState.DELIVERED
    recorded = attempts_of(aws, delivery.delivery_id)
    assert [x.status for x in recorded] == [500, 503, 204]
    assert recorded[2].at == ACCEPTED_AT + timedelta(seconds=305)


def test_a_delivered_state_is_never_overwritten_by_a_later_failed_record(aws, deliveries):
    delivery = delivery_for("sub_1")
    deliveries.record(delivery, attempt(204), DeliveryState.DELIVERED)

    deliveries.record(delivery, attempt(500, seconds=5), DeliveryState.RETRYING)
    deliveries.record(delivery, attempt(0, seconds=10), DeliveryState.DEAD)

    assert deliveries.state(delivery.delivery_id) is DeliveryState.DELIVERED
    assert [x.status for x in attempts_of(aws, delivery.delivery_id)] == [204]


def test_deliveries_of_one_change_to_two_subscribers_are_logged_apart(deliveries):
    first, second = delivery_for("sub_1"), delivery_for("sub_2")

    deliveries.record(first, attempt(204), DeliveryState.DELIVERED)
    deliveries.record(second, attempt(500), DeliveryState.RETRYING)

    assert deliveries.state(first.delivery_id) is DeliveryState.DELIVERED
    assert deliveries.state(second.delivery_id) is DeliveryState.RETRYING


def test_a_delivery_record_keeps_what_diagnoses_it_and_not_the_listing(aws, deliveries):
    person = listing(credit_code="11010519491231002X", subject_name="张某某")
    delivery = delivery_for("sub_1", person).model_copy(update={"log_sequence": 4})

    deliveries.record(delivery, attempt(500), DeliveryState.DEAD)

    item = aws.dynamodb.get_item(
        TableName=aws.env["CG_DELIVERIES_TABLE"], Key={"delivery_id": {"S": delivery.delivery_id}}
    )["Item"]
    text = json.dumps(item, ensure_ascii=False)
    assert "doc" not in item
    assert "11010519491231002X" not in text
    assert "张某某" not in text
    assert item["credit_code"]["S"] == "110105***********X"
    assert item["listing_id"]["S"] == person.listing_id
    kept = deliveries.kept(delivery.delivery_id)
    assert kept is not None
    assert (kept.change_id, kept.log_sequence, kept.change_type) == (
        delivery.change.change_id,
        4,
        "listed",
    )


def test_a_dead_delivery_is_reopened_once(deliveries):
    delivery = delivery_for("sub_1")
    deliveries.record(delivery, attempt(500), DeliveryState.DEAD)

    assert (deliveries.reopen(delivery.delivery_id), deliveries.reopen(delivery.delivery_id)) == (
        True,
        False,
    )
    assert deliveries.progress(delivery.delivery_id) == (
        DeliveryState.RETRYING,
        0,
        None,
        None,
        None,
    )


def test_a_delivery_recorded_held_back_says_what_held_it(deliveries):
    """So a copy of its message that comes again can sweep it if it was released meanwhile
    (``DeliveryService.deliver``); a failed attempt's dead letter holds nothing back."""
    held, failed = delivery_for("sub_1"), delivery_for("sub_2")
    parked = attempt(0).model_copy(update={"not_sent": "paused"})
    deliveries.record(held, parked, DeliveryState.DEAD)
    deliveries.record(failed, attempt(500), DeliveryState.DEAD)

    assert deliveries.progress(held.delivery_id).held == "paused"
    assert deliveries.progress(failed.delivery_id).held is None


def test_an_attempt_under_way_is_a_note_until_it_is_recorded(deliveries):
    delivery = delivery_for("sub_1")
    began = ACCEPTED_AT + timedelta(seconds=1)

    deliveries.begin(delivery.delivery_id, began)

    assert deliveries.progress(delivery.delivery_id) == (None, 0, began, None, None)
    assert deliveries.get(delivery.delivery_id) is None
    assert deliveries.view(delivery.delivery_id) is None
    deliveries.record(delivery, attempt(503), DeliveryState.RETRYING)
    assert deliveries.progress(delivery.delivery_id) == (
        DeliveryState.RETRYING,
        1,
        None,
        None,
        None,
    )
    deliveries.begin(delivery.delivery_id, began + timedelta(seconds=60))
    assert deliveries.progress(delivery.delivery_id).sending_since == began + timedelta(seconds=60)


def test_a_delivered_delivery_takes_no_note_of_a_late_duplicate_attempt(deliveries):
    delivery = delivery_for("sub_1")
    deliveries.record(delivery, attempt(204), DeliveryState.DELIVERED)

    deliveries.begin(delivery.delivery_id, ACCEPTED_AT + timedelta(seconds=9))

    assert deliveries.progress(delivery.delivery_id) == (
        DeliveryState.DELIVERED,
        1,
        None,
        None,
        None,
    )


def test_only_subscriptions_an_endpoint_of_which_acknowledged_the_listing_received_it(
    aws, subscriptions, deliveries
):
    """Who may object as a recipient (seed 001 §二(四)6): a 2xx for the listing, none other."""
    held = listing()
    for sub_id, region in (("sub_hn", "430000"), ("sub_dy", "420281"), ("sub_xz", "410184")):
        subscriptions.put(subscription(sub_id, region=region))
    other = delivery_for("sub_xz", listing(decision_number="(2026)其他2号"))
    log = DynamoExchangeLog(
        aws.dynamodb,
        aws.env["CG_EXCHANGE_LOG_TABLE"],
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
    )
    log.append([delivery_for("sub_hn", held).change, other.change])
    deliveries.record(delivery_for("sub_hn", held), attempt(204), DeliveryState.DELIVERED)
    deliveries.record(delivery_for("sub_dy", held), attempt(500), DeliveryState.RETRYING)
    deliveries.record(other, attempt(200), DeliveryState.DELIVERED)

    # Delivered at once, a record is in no index: its id comes from the logged change.
    assert deliveries.subscriptions_that_received(held.listing_id) == set()
    every = delivery_receipts(
        aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], deliveries, log, subscriptions
    )
    assert every.subscriptions_that_received(held.listing_id) == {"sub_hn"}
    assert every.subscriptions_that_received(held.listing_id, ["sub_dy", "sub_xz"]) == set()
    receipts = RegionReceipts(every, subscriptions)
    assert [receipts.received(held.listing_id, x) for x in ("430000", "420281", "410184")] == [
        True,
        False,
        False,
    ]
