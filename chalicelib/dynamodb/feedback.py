"""Feedback reports, one per delivery, readable by listing for the source region, erased with
the listing at the end of retention."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.dynamodb.base import Item, Table, s, text
from gateway.recognition import Feedback


class DynamoFeedback(Table):
    def put(self, feedback: Feedback) -> Feedback | None:
        """Kept (a later report for the same delivery replaces it); the one replaced, whose
        counts the statistics take back."""
        reply = self._client.put_item(
            TableName=self._table,
            Item={
                "delivery_id": s(feedback.delivery_id),
                "listing_id": s(feedback.listing_id),
                "submitted_at": s(feedback.submitted_at.isoformat()),
                "doc": s(feedback.model_dump_json()),
            },
            ReturnValues="ALL_OLD",
        )
        old = reply.get("Attributes")
        return Feedback.model_validate_json(text(old, "doc")) if old else None

    def delete(self, delivery_id: str) -> None:
        """A report taken back (its listing was purged while it was kept)."""
        self._client.delete_item(TableName=self._table, Key={"delivery_id": s(delivery_id)})

    def _about(self, listing_id: str, **projection: str) -> Iterator[Item]:
        """The reports about one listing, through the by_listing index."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName="by_listing",
            KeyConditionExpression="listing_id = :l",
            ExpressionAttributeValues={":l": s(listing_id)},
            **projection,  # type: ignore[arg-type]
        )
        for page in pages:
            yield from page.get("Items", [])

    def for_listing(self, listing_id: str) -> list[Feedback]:
        return [Feedback.model_validate_json(text(i, "doc")) for i in self._about(listing_id)]

    def erase(self, listing_id: str) -> int:
        """Delete every report about a purged listing (its measures and notes are about the
        person); how many there were."""
        ids = [
            text(i, "delivery_id")
            for i in self._about(listing_id, ProjectionExpression="delivery_id")
        ]
        for delivery_id in ids:
            self._client.delete_item(TableName=self._table, Key={"delivery_id": s(delivery_id)})
        return len(ids)
