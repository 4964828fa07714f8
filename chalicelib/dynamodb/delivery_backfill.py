"""The one-off backfill of ``subscription_shard`` on delivery records written before the
sharded subscription index (``by_subscription_shard``) existed, or dead before dead records had
partitions of their own there (``delivery_items``).

A record gets its shard key at its next attempt; one that will have none — parked or dead
before the upgrade — would stay out of the index for good, and so out of a subscription's
delivery list, ``redrive_parked`` on resume, verify or enable, and "re-drive all dead"; one
dead in the ordinary partitions is no longer read there by those. The operator runs
``POST /v1/deliveries/shards/backfill`` once after the upgrade, following ``next`` until it is
null: a Scan, a page a call, never periodic; a record in its partition already is left alone.
The cursor names a delivery id (no personal data), sealed all the same: one made up would skip
part of the table and answer "done".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import s, text, write_if
from chalicelib.dynamodb.dead_parts import in_dead_part
from chalicelib.dynamodb.delivery_items import ORDINARY, kind_of, part_of, read_attempt, shard_key
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
    updated = sum(
        _keyed(client, table, item, wanted)
        for item in reply.get("Items", [])
        if (wanted := _wanted_shard(item)) is not None
    )
    following = reply.get("LastEvaluatedKey")
    return updated, (sealer.seal(plain_key(following)) if following else None)


def _wanted_shard(item: dict[str, Any]) -> str | None:
    """The shard key a single delivery's record (not a batch's, a shared recognition, a page
    or a mere note) must have and has not: one written before the index (no page lists it) or
    one not delivered must have one; one dead, that of its dead partitions. A record delivered
    at once since pages exist (it keeps its listing as ``listing``) is listed through its page
    (``delivery_pages``)."""
    if "state" not in item or "subscription_id" not in item or "batch_message" in item:
        return None
    if "set_aside" in item and item.get("state", {}).get("S") == DeliveryState.DEAD.value:
        return None  # never to be sent again (``dead_parts.set_aside``)
    state = DeliveryState(text(item, "state"))
    held = text(item, "subscription_shard") if "subscription_shard" in item else None
    if state is DeliveryState.DELIVERED and "listing" in item:  # listed through its page,
        if held is None or not in_dead_part(held):  # or a record delivered after a retry
            return None
        return shard_key(text(item, "subscription_id"), text(item, "delivery_id"))
    attempts = item.get("attempts", {}).get("L", [])
    last = read_attempt(attempts[-1]["S"]) if attempts else None
    not_sent, status = (last.not_sent, last.status) if last is not None else (None, None)
    kind = kind_of(item)
    part = part_of(state, not_sent, status, (kind["type"], kind["change_type"]))
    wanted = shard_key(text(item, "subscription_id"), text(item, "delivery_id"), part)
    if held is None:
        return wanted
    # a reopened (retrying) record keeps its dead partition: a re-drive that cannot queue it
    # closes it again there (review 326)
    leaves = in_dead_part(held) and state is not DeliveryState.RETRYING
    return wanted if held != wanted and (part != ORDINARY or leaves) else None


def _keyed(client: DynamoDBClient, table: str, item: dict[str, Any], wanted: str) -> bool:
    """``wanted`` set, unless the record changed since it was read (an attempt keys it)."""
    held = "subscription_shard" in item
    same = "updated_at = :at" if "updated_at" in item else "attribute_not_exists(updated_at)"
    values = {":shard": s(wanted), **({":at": item["updated_at"]} if "updated_at" in item else {})}
    if held:
        values[":held"] = item["subscription_shard"]
    return write_if(  # False: its next attempt keyed it meanwhile
        client.update_item,
        TableName=table,
        Key={"delivery_id": item["delivery_id"]},
        UpdateExpression="SET subscription_shard = :shard",
        ConditionExpression="attribute_exists(delivery_id) AND "
        + same
        + " AND "
        + ("subscription_shard = :held" if held else "attribute_not_exists(subscription_shard)"),
        ExpressionAttributeValues=values,
    )
