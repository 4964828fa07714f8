"""The purge's part in the deliveries table: the endpoint answers its listing's records kept.

A record holds no listing content, only ids and attempts; but a failed attempt keeps an excerpt
of what the endpoint answered, and an endpoint may echo the body it got — a person's name, an ID
number in an encoding the scrubber (``gateway_client.contract.scrub_excerpt``) did not foresee.
Records are kept for ever (they are the operator's history), so the purge blanks the excerpts of
its listing's single-delivery records, found through the ``by_listing`` index. A batch's record
is no listing's (its lines are many listings'): its answers are blanked once it settles
(``deliveries.DynamoDeliveryLog._record_batch``) or its subscription is gone, and a dead
batch's lines get records of their own without the answer (it may echo another line's person);
a batch still retrying has them blanked by the purge of any listing its file held
(``chalicelib.erasure``).

Each attempt is rewritten by its position in the list: an attempt appended meanwhile (the list
only grows at its end) is neither lost nor shifted, and a purge run again finds nothing to do.
"""

from __future__ import annotations

from typing import Any

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.delivery_items import read_attempt
from gateway.delivery import Attempt


class DeliveryExcerpts(Table):
    def erase(self, listing_id: str) -> int:
        """Blank every stored answer of the listing's delivery records; how many records
        had one."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName="by_listing",
            KeyConditionExpression="listing_id = :lid",
            ExpressionAttributeValues={":lid": s(listing_id)},
        )
        ids = [text(item, "delivery_id") for page in pages for item in page.get("Items", [])]
        return sum(self.blank(delivery_id) for delivery_id in ids)

    def blank(self, delivery_id: str, item: dict[str, Any] | None = None) -> bool:
        """Blank one record's stored answers; whether it had one. ``item``: the record as a
        write just returned it (saves reading it again)."""
        if item is None:
            item = self._get({"delivery_id": s(delivery_id)}) or {}
        blanked = {
            f":a{i}": s(_blanked(attempt))
            for i, raw in enumerate(item.get("attempts", {}).get("L", []))
            if (attempt := read_attempt(raw["S"])).response_excerpt
        }
        if not blanked:
            return False
        self._client.update_item(
            TableName=self._table,
            Key={"delivery_id": s(delivery_id)},
            UpdateExpression="SET " + ", ".join(f"attempts[{k[2:]}] = {k}" for k in blanked),
            ExpressionAttributeValues=blanked,
        )
        return True


def _blanked(attempt: Attempt) -> str:
    return attempt.model_copy(update={"response_excerpt": ""}).model_dump_json(
        exclude_defaults=True
    )
