"""Receipts: which subscriptions were delivered a listing, and so which regions hold it.

A subscription received a listing when an endpoint of it acknowledged a delivery of it, singly
(its record is in the deliveries table's ``by_listing`` index) or as a line of a delivered
batch (no record of its own: ``batch_records``). The second is answered at read time from the
exchange log (where the listing's changes are logged) and the batches' ``by_batch_range``
index: a file's lines lie within ``MAX_LOG_SPAN`` of its first log sequence
(``gateway.delivery.batching``), so one bounded query per (subscription, logged sequence)
finds the batch whose lines hold that sequence, if any. Fan-out asks this for a change that
settles a listing some subscription's filters no longer match; objections, for the objecting
region; so it costs reads on those paths, never a write per line.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

from chalicelib.dynamodb.base import Table, s
from chalicelib.dynamodb.batch_records import BATCH_RANGE_INDEX
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from gateway.delivery import MAX_LOG_SPAN

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_ASKED_AT_ONCE = 8  # (subscription, sequence) queries in flight


class _Singly(Protocol):
    def subscriptions_that_received(self, listing_id: str) -> set[str]: ...


class BatchReceipts(Table):
    """Which subscriptions were delivered a listing in a delivered batch, answered at read time
    from the log (where the listing's changes are logged) and ``by_batch_range``: one query per
    (subscription, logged sequence), until one finds a batch whose lines hold that sequence."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        sequences_of: Callable[[str], list[int]],
        subscription_ids: Callable[[], Iterable[str]],
    ) -> None:
        super().__init__(client, table_name)
        self._sequences_of = sequences_of
        self._subscription_ids = subscription_ids

    def subscriptions_that_received(
        self, listing_id: str, but: set[str], among: Collection[str] | None = None
    ) -> set[str]:
        """Those of ``among`` (default: every subscription) that have had batches, other than
        ``but`` (known to have received it already), that were."""
        batched = set(self._subscription_ids())
        asked = [x for x in (batched if among is None else among) if x in batched and x not in but]
        if not asked:
            return set()
        sequences = self._sequences_of(listing_id)
        if not sequences:
            return set()
        with ThreadPoolExecutor(max_workers=_ASKED_AT_ONCE) as pool:
            found = pool.map(lambda x: self._received(x, sequences), asked)
            return {x for x, yes in zip(asked, found, strict=True) if yes}

    def _received(self, subscription_id: str, sequences: list[int]) -> bool:
        return any(self._in_a_batch(subscription_id, q) for q in sequences)

    def _in_a_batch(self, subscription_id: str, sequence: int) -> bool:
        found = self._query_items(
            TableName=self._table,
            IndexName=BATCH_RANGE_INDEX,
            KeyConditionExpression="batch_of = :sub AND first_log_sequence BETWEEN :low AND :q",
            FilterExpression="contains(line_logs, :q)",
            ExpressionAttributeValues={
                ":sub": s(subscription_id),
                ":low": {"N": str(max(sequence - MAX_LOG_SPAN, 0))},
                ":q": {"N": str(sequence)},
            },
            ProjectionExpression="delivery_id",
        )
        return next(found, None) is not None


class DeliveryReceipts:
    """Single deliveries' receipts (``singly``: the delivery log's ``by_listing``), and then
    the batches' for the subscriptions not found there."""

    def __init__(self, singly: _Singly, batches: BatchReceipts) -> None:
        self._singly = singly
        self._batches = batches

    def subscriptions_that_received(
        self, listing_id: str, among: Collection[str] | None = None
    ) -> set[str]:
        found = self._singly.subscriptions_that_received(listing_id)
        return found | self._batches.subscriptions_that_received(listing_id, found, among)


def delivery_receipts(
    client: DynamoDBClient,
    table_name: str,
    singly: _Singly,
    log: DynamoExchangeLog,
    subscriptions: DynamoSubscriptions,
) -> DeliveryReceipts:
    """Receipts of every delivery, single or in a batch (the deliveries table ``table_name``);
    only a subscription that has been batched at some time (``Subscription.had_batches``, kept
    when it switches back) can have batches to look in."""

    def batched() -> list[str]:
        return [x.subscription_id for x in subscriptions.all() if x.had_batches()]

    return DeliveryReceipts(singly, BatchReceipts(client, table_name, log.sequences_of, batched))


class RegionReceipts:
    """Whether a region holds a listing through a subscription: one of its subscriptions was
    delivered it (a deleted subscription no longer speaks for its region). Only that region's
    subscriptions are asked about, so an objection costs its own region's batch queries."""

    def __init__(self, deliveries: DeliveryReceipts, subscriptions: DynamoSubscriptions) -> None:
        self._deliveries = deliveries
        self._subscriptions = subscriptions

    def received(self, listing_id: str, region: str) -> bool:
        own = {x.subscription_id for x in self._subscriptions.all() if x.region == region}
        return bool(own and own & self._deliveries.subscriptions_that_received(listing_id, own))
