"""A record delivered after it was dead leaves the dead partitions of ``by_subscription_shard``
(``delivery_items``): kept there, every later read of what is dead — resume, verify, enable, a
re-drive — would pass over it for good, and after one large pause or outage run out of time
again (review 322). It goes to the ordinary ones, as any record delivered after a retry.

The delivered write itself cannot tell (DynamoDB sets no attribute on a condition of its own
value, and a record delivered at its first attempt must enter no index: one write unit), so it
returns the item it made, and a second write moves the rare record that was dead."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import is_conditional_failure, s, write_if
from chalicelib.dynamodb.delivery_items import DEAD, DECLINABLE, shard_key
from gateway.delivery import Delivery, DeliveryState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


log = logging.getLogger("credit_gateway.delivery")


def in_dead_part(shard: str) -> bool:
    return any(f"#{part}" in shard for part in (DEAD, DECLINABLE))


class DeliveredWrite:
    """The ``update_if`` a delivered attempt's ``write_attempt`` makes its writes with: each
    the conditional update it was, its item kept; then ``leave_dead_parts``."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client, self._table = client, table
        self._made: dict[str, Any] = {}

    def __call__(self, **update: Any) -> bool:
        try:
            reply = self._client.update_item(**{**update, "ReturnValues": "ALL_NEW"})
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            return False
        self._made = dict(reply.get("Attributes", {}))
        return True

    def leave_dead_parts(self, delivery: Delivery) -> None:
        """The record written, if it is in a dead partition, moved to its ordinary one (unless
        it moved since: a later attempt placed it)."""
        held = self._made.get("subscription_shard", {}).get("S")
        if held is None or not in_dead_part(held):
            return
        try:
            self._moved(delivery, held)
        except ClientError:  # the shard backfill moves what is left (``delivery_backfill``)
            log.warning("a delivered record left in a dead partition", exc_info=True)

    def _moved(self, delivery: Delivery, held: str) -> None:
        write_if(
            self._client.update_item,
            TableName=self._table,
            Key={"delivery_id": s(delivery.record_key)},
            UpdateExpression="SET subscription_shard = :ordinary",
            ConditionExpression="subscription_shard = :held AND #state = :delivered",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":ordinary": s(shard_key(delivery.subscription_id, delivery.record_key)),
                ":held": s(held),
                ":delivered": s(DeliveryState.DELIVERED.value),
            },
        )


def set_aside(client: DynamoDBClient, table: str, delivery_id: str, subscription_id: str) -> None:
    """``DeliveryRecords.set_aside``: the dead record moved to its ordinary partition, where
    the delivery list still shows it dead (unless an attempt moved it meanwhile). A write that
    fails leaves it where it is, to be set aside by the next re-drive (review 326: the re-drive
    failed with it)."""
    try:
        _set_aside(client, table, delivery_id, subscription_id)
    except ClientError:
        log.warning("a dead record not set aside", exc_info=True)


def _set_aside(client: DynamoDBClient, table: str, delivery_id: str, subscription_id: str) -> None:
    write_if(
        client.update_item,
        TableName=table,
        Key={"delivery_id": s(delivery_id)},
        UpdateExpression="SET subscription_shard = :ordinary, set_aside = :yes",
        ConditionExpression="#state = :dead AND subscription_id = :sub",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={
            ":ordinary": s(shard_key(subscription_id, delivery_id)),
            ":dead": s(DeliveryState.DEAD.value),
            ":sub": s(subscription_id),
            ":yes": {"BOOL": True},  # the shard backfill leaves it where it is
        },
    )
