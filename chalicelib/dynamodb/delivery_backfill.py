"""The one-off backfill of ``subscription_shard`` on delivery records written before the
sharded subscription index (``by_subscription_shard``) existed.

A record gets its shard key at its next attempt; one that will have none — parked or dead
before the upgrade — would stay out of the index for good, and so out of a subscription's
delivery list, ``redrive_parked`` on resume, verify or enable, and "re-drive all dead". The
operator runs ``POST /v1/deliveries/shards/backfill`` once after the upgrade, following
``next`` until it is null: a Scan, a page a call, never periodic; a record that has its key
already is left alone. The cursor names a delivery id (no personal data), sealed all the same:
one made up would skip part of the table and answer "done".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import s, text, write_if
from chalicelib.dynamodb.delivery_items import shard_key
from chalicelib.dynamodb.due_index import plain_key, sealed_start
from chalicelib.dynamodb.sealed_tokens import Sealer
from gateway.delivery import DeliveryState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def backfill_shards(
    client: DynamoDBClient, table: str, sealer: Sealer, after: str | None, limit: int
) -> tuple[int, str | None]:
    """Up to ``limit`` items from ``after``: how many records got their shard key, and the
    cursor (``None``: the table is done)."""
    args: dict[str, Any] = {"TableName": table, "Limit": limit, "ConsistentRead": True}
    if after is not None and (start := sealed_start(sealer, after, {"delivery_id"})) is not None:
        args["ExclusiveStartKey"] = start
    reply = client.scan(**args)
    updated = sum(_keyed(client, table, x) for x in reply.get("Items", []) if _unkeyed(x))
    following = reply.get("LastEvaluatedKey")
    return updated, (sealer.seal(plain_key(following)) if following else None)


def _unkeyed(item: dict[str, Any]) -> bool:
    """A single delivery's record (not a batch's, a shared recognition, a page or a mere
    note) that the sharded index does not hold yet, and must: one written before the index
    (no page lists it) or one not delivered. A record delivered at once since pages exist (it
    keeps its listing as ``listing``) is listed through its page (``delivery_pages``)."""
    return (
        "state" in item
        and (text(item, "state") != DeliveryState.DELIVERED.value or "listing" not in item)
        and "subscription_id" in item
        and "batch_message" not in item
        and "subscription_shard" not in item
    )


def _keyed(client: DynamoDBClient, table: str, item: dict[str, Any]) -> bool:
    delivery_id = text(item, "delivery_id")
    return write_if(  # False: its next attempt keyed it meanwhile
        client.update_item,
        TableName=table,
        Key={"delivery_id": s(delivery_id)},
        UpdateExpression="SET subscription_shard = :shard",
        ConditionExpression="attribute_exists(delivery_id) "
        "AND attribute_not_exists(subscription_shard)",
        ExpressionAttributeValues={
            ":shard": s(shard_key(text(item, "subscription_id"), delivery_id))
        },
    )
