"""A listing delivered singly, at the first attempt, is received for objections and for the
changes that settle it: its record is in no index (``delivery_items.index_keys``), so the
receipt is found from the listing's logged changes, whose ids make its delivery's."""

from __future__ import annotations

from typing import Any

from app_support import HUNAN, Gateway, StreamReader, error_code
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    signed,
    subscribe,
)
from lifecycle_support import listing_path
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
