"""Pages: which single deliveries were queued for a subscription, so that a delivery its
endpoint accepts at the first attempt needs no index entry of its own to be listed.

Why: a GSI entry costs a write unit whatever it projects, and a record in
``by_subscription_shard`` made every delivery cost three (the record, that index, and
``by_listing``). A record now enters the indexes only once an attempt fails
(``delivery_items.index_keys``); what lists the others is the page written as they are queued:
one small item per subscription and queueing (a stream batch's fan-out, a re-drive, a replay),
holding their ids as 16 bytes each. At national scale a stream batch queues tens to hundreds
of deliveries per subscription, so a page costs a few hundredths of a unit per delivery; a
single push queues one, and then it costs what the index entry did.

A page is in ``by_subscription_shard`` under the time it was written. It holds ids only —
hashes of a change id and a subscription id, no personal data — so no purge needs to reach it.
Its key is the hash of what it holds: a fan-out run again writes the same page again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import Table, s
from chalicelib.dynamodb.delivery_items import shard_key
from gateway.delivery import Batch, Delivery

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PAGE_PREFIX = "page#"
MOST_PER_PAGE = 10_000
"""Ids a page holds at most: 160 KB, well under DynamoDB's 400 KB item limit."""

_ID = re.compile(r"msg_([0-9a-f]{32})")
_ID_BYTES = 16


class DeliveryPages(Table):
    def __init__(
        self, client: DynamoDBClient, table_name: str, now: Callable[[], datetime]
    ) -> None:
        super().__init__(client, table_name)
        self._now = now

    def add(self, queued: Iterable[Delivery | Batch]) -> None:
        """A page per subscription of the single deliveries about to be queued (a batch's
        record lists its lines itself)."""
        by_subscription: dict[str, list[str]] = {}
        for delivery in queued:
            if isinstance(delivery, Delivery):
                by_subscription.setdefault(delivery.subscription_id, []).append(delivery.record_key)
        at = self._now().astimezone(UTC).isoformat()  # as records' times: ordered as text
        self._put_all(
            [
                page_item(subscription_id, ids[start : start + MOST_PER_PAGE], at)
                for subscription_id, ids in by_subscription.items()
                for start in range(0, len(ids), MOST_PER_PAGE)
            ]
        )


def page_item(subscription_id: str, delivery_ids: list[str], at: str) -> dict[str, Any]:
    packed = b"".join(bytes.fromhex(_hex(x)) for x in delivery_ids)
    key = PAGE_PREFIX + hashlib.sha256(subscription_id.encode() + packed).hexdigest()[:32]
    return {
        "delivery_id": s(key),
        "page_of": s(subscription_id),
        "subscription_shard": s(shard_key(subscription_id, key)),
        "updated_at": s(at),
        "planned": {"B": packed},
    }


def is_page(item: dict[str, Any]) -> bool:
    return "planned" in item


def planned_ids(item: dict[str, Any]) -> list[str]:
    """The page's delivery ids, in the order they were queued."""
    packed: bytes = item["planned"]["B"]
    return ["msg_" + packed[i : i + _ID_BYTES].hex() for i in range(0, len(packed), _ID_BYTES)]


def _hex(delivery_id: str) -> str:
    match = _ID.fullmatch(delivery_id)
    if match is None:  # every single delivery's id is ``planning.delivery_id``'s
        raise ValueError(f"not a delivery id: {delivery_id!r}")
    return match.group(1)
