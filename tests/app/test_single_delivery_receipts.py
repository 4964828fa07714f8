"""A listing delivered singly, at the first attempt, is received for objections and for the
changes that settle it: its record is in no index (``delivery_items.index_keys``), so the
receipt is found from the listing's logged changes, whose ids make its delivery's."""

from __future__ import annotations

from typing import Any

from app_support import CREDIT_CODE, HUBEI, HUNAN, Gateway, StreamReader, error_code
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    signed,
    subscribe,
)
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    pushed,
    qingcheng_entry,
)
from test_batched_delivery_records import (  # noqa: F401
    THREE,
    city,
    pushed_and_fanned_out,
    revocation_reaches_a_narrowed,
)

from gateway_client.contract.signing import Ed25519Signer


def test_a_listing_delivered_at_once_counts_as_received_for_objections_and_settling(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,  # noqa: F811
) -> None:
    hunan = gateway.register_platform(HUNAN)
    mine = subscribe(gateway, hook.url)
    listings = pushed_and_fanned_out(gateway, stream, city)
    objection = {"objection_id": "obj-1", "reason": "已履行完毕", "on_behalf": "subject"}
    path = listing_path(THREE[0]["credit_code"], listings[0]) + "/objections"
    early = signed(gateway, hunan, "POST", path, objection)
    hook.answer(204)
    queue.run()

    table = aws.env["CG_DELIVERIES_TABLE"]
    held = [x for x in aws.dynamodb.scan(TableName=table)["Items"] if "state" in x]
    assert len(held) == 3
    assert all("listing_id" not in x and "subscription_shard" not in x for x in held)
    filed = signed(gateway, hunan, "POST", path, objection)
    assert (early.status_code, error_code(early)) == (403, "listing_not_received")
    assert filed.status_code == 201, filed.json_body

    revocation_reaches_a_narrowed(gateway, stream, queue, hook, city, mine, listings[2])


def test_a_region_that_replaced_its_subscription_still_holds_what_the_old_one_brought(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Any
) -> None:
    """A new subscription first, then the old one deleted (a new signature scheme takes a new
    one): the region may still object to what the old one was delivered (review 181: 403
    ``listing_not_received``, though it applies that listing's measures)."""
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    hunan = gateway.register_platform(HUNAN)
    old = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).json_body
    lid = pushed(gateway, owner, QINGCHENG, qingcheng_entry())
    assert [d.subscription_id for d in fan_out_and_deliver(aws, stream)] == [old["subscription_id"]]
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    path = f"/v1/subscriptions/{old['subscription_id']}"
    assert gateway.client.http.delete(path, headers=gateway.operator()).status_code == 200
    other = gateway.register_platform(HUBEI)

    stranger = life.file_objection(CREDIT_CODE, lid, "gz-1", other)
    filed = life.file_objection(CREDIT_CODE, lid, "hn-1", hunan)

    assert filed.status_code == 201, filed.json_body
    assert (stranger.status_code, error_code(stranger)) == (403, "listing_not_received")
    assert gateway.client.http.get(path, headers=gateway.operator()).status_code == 404
