"""A batch settled delivered, and what must follow it exactly once whatever is cut short.

The one write that settles a batch delivered (``batch_records.delivered_update``) is all the
common path costs the deliveries table; it returns the delivered item (at no read cost), and
from that item two things are finished, each safe to repeat:

* Its lines' delivered counts, through the statistics' idempotent path (``add_once``), keyed
  by the batch's id (``count_parts``): a throttled, partial or crashed count is finished by
  the retry, whose settling write is refused as "already delivered" but returns the item all
  the same, or by a later copy of the message (``DeliveryLog.finish_batch``), and never
  counted twice. The markers last ``COUNT_MARKER_KEEP``, as long as the queue keeps any copy
  of the message.
* Dead records of its lines, if an earlier settle as dead was cut short after writing some
  of them (a function that died before the batch's own dead record: SQS hands the batch
  again, unsettled, and it may then be delivered). The dead path marks the batch's item
  ``lines_dead`` before it writes any line (``batch_records.lines_dying_update``), so only a
  marked item costs this: each line's record is deleted if still dead — the batch's record
  now holds it delivered, so it is listed once and no "re-drive all dead" sends it again —
  then the mark goes. A line re-driven meanwhile (no longer dead) is left as it is.

A count that cannot be written raises: the message is then handed again, and finished as above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, is_conditional_failure, s, text
from chalicelib.dynamodb.batch_records import (
    delivered_counts,
    delivered_update,
    is_batch,
    lines_dying_update,
    lines_of,
)
from chalicelib.dynamodb.statistics import Change, DynamoStatistics
from gateway.delivery import Attempt, Batch, Delivery, DeliveryState
from gateway.statistics import Key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

COUNT_MARKER_KEEP = timedelta(days=14)  # the delivery queues' MessageRetentionPeriod
_CLEARERS = 8  # dead line records deleted this many at a time
_PART_ITEMS = 45  # counter items a count's part adds (two parts and markers: one transaction)


class BatchSettling(Table):
    def __init__(
        self, client: DynamoDBClient, table_name: str, statistics: DynamoStatistics | None
    ) -> None:
        super().__init__(client, table_name)
        self._statistics = statistics

    def lines_dying(self, batch: Batch) -> bool:
        """Mark the batch's lines as about to be recorded dead; False if it is delivered
        (a late copy: none of its lines is dead)."""
        return self._update_if(**lines_dying_update(self._table, batch))

    def delivered(
        self, batch: Batch, attempt: Attempt, lines: Sequence[Delivery]
    ) -> dict[str, Any] | None:
        """Settle the batch delivered in one write, or find it delivered already; finish it.
        The batch's record as that write found or left it."""
        try:
            reply = self._client.update_item(**delivered_update(self._table, batch, attempt, lines))
            item: dict[str, Any] | None = dict(reply.get("Attributes", {}))
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            item = error.response.get("Item")  # type: ignore[assignment]
        self._finish(item)
        return item

    def finish(self, batch_id: str) -> None:
        """Finish a batch found delivered (a copy of its message came again)."""
        self._finish(self._get({"delivery_id": s(batch_id)}))

    def _finish(self, item: dict[str, Any] | None) -> None:
        if not is_batch(item) or item.get("state") != s(DeliveryState.DELIVERED.value):
            return
        if "lines_dead" in item:
            self._clear_dead_lines(item)
        if self._statistics is not None:
            at = datetime.fromisoformat(text(item, "updated_at"))
            parts = count_parts(text(item, "delivery_id"), delivered_counts(item))
            self._statistics.add_once(parts, at, COUNT_MARKER_KEEP)

    def _clear_dead_lines(self, item: dict[str, Any]) -> None:
        """Each line's record deleted if dead (any order, one request each), then the mark."""
        line_ids = [line["delivery_id"] for line in lines_of(item)]
        with ThreadPoolExecutor(max_workers=_CLEARERS) as pool:
            list(pool.map(self._delete_if_dead, line_ids))
        self._update_if(
            TableName=self._table,
            Key={"delivery_id": item["delivery_id"]},
            UpdateExpression="REMOVE lines_dead",
            ConditionExpression="attribute_exists(lines_dead)",  # never an item anew
        )

    def _delete_if_dead(self, delivery_id: str) -> None:
        self._delete_if(
            TableName=self._table,
            Key={"delivery_id": s(delivery_id)},
            ConditionExpression="#state = :dead",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":dead": s(DeliveryState.DEAD.value)},
        )


def count_parts(batch_id: str, counts: Mapping[Key, int]) -> list[Change]:
    """The batch's counts as changes of at most ``_PART_ITEMS`` counter items each, a marker
    apiece: a batch whose lines come from many regions (eight shard items each) may hold more
    than one transaction can write. The same item always gives the same parts."""
    items = sorted({(region, bucket) for region, bucket, _ in counts})
    parts = [set(items[i : i + _PART_ITEMS]) for i in range(0, len(items), _PART_ITEMS)]
    return [
        (f"batch#{batch_id}#{n}", {k: v for k, v in counts.items() if k[:2] in part})
        for n, part in enumerate(parts)
    ]
