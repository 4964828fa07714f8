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
        write just returned it (saves reading it again). Each slot is rewritten only while it
        holds what was read: a full record's latest attempt is written in place (review 293:
        an attempt landing between the read and this write was overwritten by an older one)."""
        key = {"delivery_id": s(delivery_id)}
        for _ in range(_ROUNDS):
            if item is None:
                item = self._get(key) or {}
            held = item.get("attempts", {}).get("L", [])
            slots = [
                (i, raw["S"], _blanked(attempt))
                for i, raw in enumerate(held)
                if (attempt := read_attempt(raw["S"])).response_excerpt
            ]
            if not slots:
                return False
            if self._update_if(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET " + ", ".join(f"attempts[{i}] = :a{i}" for i, _, _ in slots),
                ConditionExpression=" AND ".join(f"attempts[{i}] = :o{i}" for i, _, _ in slots),
                ExpressionAttributeValues={
                    **{f":a{i}": s(blank) for i, _, blank in slots},
                    **{f":o{i}": s(was) for i, was, _ in slots},
                },
            ):
                return True
            item = None  # an attempt landed meanwhile: read again
        raise RuntimeError(f"delivery {delivery_id} kept changing while its answers were blanked")


_ROUNDS = 5


def _blanked(attempt: Attempt) -> str:
    return attempt.model_copy(update={"response_excerpt": ""}).model_dump_json(
        exclude_defaults=True
    )
