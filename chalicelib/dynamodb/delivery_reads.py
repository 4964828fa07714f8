"""What the delivery log answers about records as they stand, for receipts, replays and
re-drives: who acknowledged a listing, which deliveries were delivered singly, and what a
re-drive rebuilds a delivery from (``DynamoDeliveryLog`` adds the writes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import s, text
from chalicelib.dynamodb.delivery_items import SharedRecognitions, kept_of, may_be_sent
from chalicelib.dynamodb.delivery_listing import DeliveryListing
from gateway.delivery import Delivery, DeliveryState, Resend, resend_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_BATCH_GET = 100  # BatchGetItem's most keys


class DeliveryReads(DeliveryListing):
    """The record reads; the recognitions records share (``SharedRecognitions``) with them."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        super().__init__(client, table_name)
        self._recognitions = SharedRecognitions(client, table_name)

    @property
    def recognitions(self) -> SharedRecognitions:
        """Large recognitions kept apart, named by digest (records, batch lines, and queued
        deliveries too large for a message)."""
        return self._recognitions

    def subscriptions_that_received(self, listing_id: str, owed: bool = False) -> set[str]:
        """The subscriptions an endpoint of which acknowledged a single delivery of the
        listing that ``by_listing`` holds (one partition per listing, so no scan): one not
        delivered at once, or of an event other than ``listing.changed``. The others, and the
        lines of delivered batches, are found from the log: ``delivery_receipts``. ``owed``:
        those with a record of one that was or may yet be sent (``OwedReceipts``)."""
        delivered = {
            "FilterExpression": "#state = :delivered",
            "ExpressionAttributeNames": {"#state": "state"},
        }
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName="by_listing",
            KeyConditionExpression="listing_id = :lid",
            ExpressionAttributeValues={
                ":lid": s(listing_id),
                **({} if owed else {":delivered": s(DeliveryState.DELIVERED.value)}),
            },
            **({} if owed else delivered),  # type: ignore[arg-type]
        )
        items = (item for page in pages for item in page.get("Items", []))
        return {text(x, "subscription_id") for x in items if not owed or may_be_sent(x)}

    def kept(self, delivery_id: str) -> Resend | None:
        """What a re-drive rebuilds the delivery from."""
        item = self._get({"delivery_id": s(delivery_id)})
        return None if item is None else self._kept(item)

    def kept_many(self, delivery_ids: Sequence[str]) -> dict[str, Resend]:
        """``kept`` of each id that has a record, a hundred a request: what a replay of up to
        ``REPLAY_SPAN`` entries asks of its originals."""
        wanted = list(dict.fromkeys(delivery_ids))
        found: dict[str, Resend] = {}
        for start in range(0, len(wanted), _BATCH_GET):
            keys = [{"delivery_id": s(i)} for i in wanted[start : start + _BATCH_GET]]
            for item in self._batch_get({"Keys": keys, "ConsistentRead": True}):
                kept = self._kept(item)
                if kept is not None:
                    found[text(item, "delivery_id")] = kept
        return found

    def _kept(self, item: dict[str, Any]) -> Resend | None:
        """Records written before the log was minimised kept the whole delivery as ``doc``."""
        if "resend" in item:
            return kept_of(item, self._recognitions)
        return resend_of(Delivery.model_validate_json(text(item, "doc"))) if "doc" in item else None

    def delivered_singly(self, delivery_ids: Sequence[str]) -> set[str]:
        """Those with a record of their own that says delivered, a hundred a request."""
        wanted = list(dict.fromkeys(delivery_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), _BATCH_GET):
            keys = [{"delivery_id": s(i)} for i in wanted[start : start + _BATCH_GET]]
            asked = {
                "Keys": keys,
                "ConsistentRead": True,
                "ProjectionExpression": "delivery_id, #s",
            }
            for item in self._batch_get(asked | {"ExpressionAttributeNames": {"#s": "state"}}):
                if text(item, "state") == DeliveryState.DELIVERED.value:
                    found.add(text(item, "delivery_id"))
        return found
