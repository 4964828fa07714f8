"""Receipts: which subscriptions were delivered a listing, and so which regions hold it.

A subscription received a listing when an endpoint of it acknowledged a delivery of it, singly
or as a line of a delivered batch. Only some records are in the deliveries table's
``by_listing`` index (one not delivered at once, or of an event other than ``listing.changed``:
``delivery_items.index_keys``); the rest is answered at read time from the exchange log, where
the listing's changes are logged:

* a ``listing.changed`` delivery's id is a hash of its change id and subscription id
  (``gateway.delivery.delivery_id``), so the listing's logged changes name every record there
  can be, read by key (``LoggedReceipts``);
* a line has no record of its own (``batch_records``): a file's lines lie within
  ``MAX_LOG_SPAN`` of its first log sequence (``gateway.delivery.batching``), so one bounded
  query of ``by_batch_range`` per (subscription, logged sequence) finds the batch whose lines
  hold that sequence, if any, and its item's state whether it was delivered or is being
  retried (``BatchReceipts``).

Fan-out asks this for a change that settles a listing some subscription's filters no longer
match; objections, for the objecting region; so it costs reads on those paths, never a write
per delivery or line.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.batch_records import BATCH_RANGE_INDEX
from chalicelib.dynamodb.delivery_items import may_be_sent
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from gateway.delivery import MAX_LOG_SPAN, DeliveryState, delivery_id

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_ASKED_AT_ONCE = 8  # (subscription, sequence) queries in flight
_KEYS_AT_ONCE = 100  # a BatchGetItem's keys
_DELIVERED = {DeliveryState.DELIVERED.value}
# A batch being retried holds its lines as a single delivery being retried does; a dead one's
# lines have records of their own (``LoggedReceipts``), or were never sent.
_HOLDING = {DeliveryState.DELIVERED.value, DeliveryState.RETRYING.value}


class _Singly(Protocol):
    def subscriptions_that_received(self, listing_id: str, owed: bool = False) -> set[str]: ...


class LoggedReceipts(Table):
    """Which subscriptions acknowledged a ``listing.changed`` delivery of a logged change of
    the listing: its possible records read by key (consistently: fan-out asks as it plans)."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, change_ids_of: Callable[[str], list[str]]
    ) -> None:
        super().__init__(client, table_name)
        self._change_ids_of = change_ids_of

    def subscriptions_that_received(
        self, listing_id: str, asked: Collection[str], owed: bool = False
    ) -> set[str]:
        """``owed``: those with a record that was or may yet be sent (``may_be_sent``)."""
        if not asked:
            return set()
        named = {delivery_id(c, x): x for c in self._change_ids_of(listing_id) for x in asked}
        ids = list(named)
        found: set[str] = set()
        for start in range(0, len(ids), _KEYS_AT_ONCE):
            keys = [{"delivery_id": s(i)} for i in ids[start : start + _KEYS_AT_ONCE]]
            items = self._batch_get(
                {
                    "Keys": keys,
                    "ConsistentRead": True,
                    "ProjectionExpression": "delivery_id, #state, subscription_shard",
                    "ExpressionAttributeNames": {"#state": "state"},
                }
            )
            delivered = DeliveryState.DELIVERED.value
            found |= {
                named[text(x, "delivery_id")]
                for x in items
                if (may_be_sent(x) if owed else text(x, "state") == delivered)
            }
        return found


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
        retired_batched: Callable[[Collection[str]], set[str]],
    ) -> None:
        super().__init__(client, table_name)
        self._sequences_of = sequences_of
        self._subscription_ids = subscription_ids
        self._retired_batched = retired_batched

    def subscriptions_that_received(
        self,
        listing_id: str,
        but: set[str],
        among: Collection[str] | None = None,
        retired: Collection[str] = (),
        owed: bool = False,
    ) -> set[str]:
        """Those of ``among`` (default: every subscription) that have had batches, or are
        ``retired`` (deleted) and may have had, other than ``but`` (known to have received it
        already), that were; ``owed``: or have a batch holding it that is being retried."""
        retired = [x for x in retired if x not in but]
        batched = set(self._subscription_ids()) | (
            self._retired_batched(retired) if retired else set()
        )
        asked = [x for x in (batched if among is None else among) if x in batched and x not in but]
        if not asked:
            return set()
        sequences = self._sequences_of(listing_id)
        if not sequences:
            return set()
        states = _HOLDING if owed else _DELIVERED
        with ThreadPoolExecutor(max_workers=_ASKED_AT_ONCE) as pool:
            found = pool.map(lambda x: self._received(x, sequences, states), asked)
            return {x for x, yes in zip(asked, found, strict=True) if yes}

    def _received(self, subscription_id: str, sequences: list[int], states: set[str]) -> bool:
        return any(self._in_a_batch(subscription_id, q, states) for q in sequences)

    def _in_a_batch(self, subscription_id: str, sequence: int, states: set[str]) -> bool:
        """Whether a batch of the subscription in one of ``states`` holds the sequence: the
        index names the batches (a retried one's too), their items say which state."""
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
        batches = [{"delivery_id": s(text(x, "delivery_id"))} for x in found]
        for start in range(0, len(batches), _KEYS_AT_ONCE):
            items = self._batch_get(
                {
                    "Keys": batches[start : start + _KEYS_AT_ONCE],
                    "ConsistentRead": True,
                    "ProjectionExpression": "#state",
                    "ExpressionAttributeNames": {"#state": "state"},
                }
            )
            if any(text(x, "state") in states for x in items):
                return True
        return False


class DeliveryReceipts:
    """Single deliveries' receipts (``singly``: the records ``by_listing`` holds; ``logged``:
    the others, by key), and then the batches' for the subscriptions not found there."""

    def __init__(
        self,
        singly: _Singly,
        logged: LoggedReceipts,
        batches: BatchReceipts,
        subscription_ids: Callable[[], Iterable[str]],
    ) -> None:
        self._singly = singly
        self._logged = logged
        self._batches = batches
        self._subscription_ids = subscription_ids

    def subscriptions_that_received(
        self,
        listing_id: str,
        among: Collection[str] | None = None,
        retired: Collection[str] = (),
        owed: bool = False,
    ) -> set[str]:
        """Of ``among`` (default: every subscription), and of the ``retired`` ones (deleted),
        those that received the listing; ``owed``: or have a single delivery of it to come
        (``OwedReceipts``)."""
        found = self._singly.subscriptions_that_received(listing_id, owed)
        asked = [*(self._subscription_ids() if among is None else among), *retired]
        found |= self._logged.subscriptions_that_received(
            listing_id, [x for x in asked if x not in found], owed
        )
        return found | self._batches.subscriptions_that_received(
            listing_id, found, None if among is None else asked, retired, owed
        )


class OwedReceipts:
    """The receipts fan-out and re-evaluation plan by: a subscription holds a listing once an
    endpoint acknowledged it, and will once a record of a single delivery of it exists in any
    state but one settled never to be sent (review 393) — retrying, parked while paused,
    pending or off, or dead (a re-drive sends it). A change that ends the listing, or its
    recognition, then follows it there whatever the subscription's filters say now (review
    390: one parked or retrying when the filters narrowed was sent, and its end never). A
    batch not yet delivered is not found (its lines are in its file). Objection rights stay
    with what was delivered (``RegionReceipts``)."""

    def __init__(self, deliveries: DeliveryReceipts) -> None:
        self._deliveries = deliveries

    def subscriptions_that_received(
        self, listing_id: str, among: Collection[str] | None = None
    ) -> set[str]:
        return self._deliveries.subscriptions_that_received(listing_id, among, owed=True)


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

    def every() -> list[str]:
        return [x.subscription_id for x in subscriptions.all()]

    return DeliveryReceipts(
        singly,
        LoggedReceipts(client, table_name, log.change_ids_of),
        BatchReceipts(
            client, table_name, log.sequences_of, batched, subscriptions.may_have_batched
        ),
        every,
    )


class RegionReceipts:
    """Whether a region holds a listing through a subscription: one of its subscriptions was
    delivered it, one deleted since too (what it brought the region still holds: review 181).
    Only that region's subscriptions are asked about, so an objection costs its own region's
    batch queries."""

    def __init__(self, deliveries: DeliveryReceipts, subscriptions: DynamoSubscriptions) -> None:
        self._deliveries = deliveries
        self._subscriptions = subscriptions

    def received(self, listing_id: str, region: str) -> bool:
        own = {x.subscription_id for x in self._subscriptions.all() if x.region == region}
        retired = self._subscriptions.retired(region)
        if not own and not retired:
            return False
        found = self._deliveries.subscriptions_that_received(listing_id, own, retired)
        return bool((own | retired) & found)
