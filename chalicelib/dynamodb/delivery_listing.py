"""A subscription's deliveries, newest first, read through ``by_subscription_shard``.

That index holds three kinds of entry (``delivery_items``): the records of deliveries an
attempt did not deliver at once, a delivered batch's record (a delivery per line), and the
pages that list what was queued (``delivery_pages``: a delivery its endpoint accepted at the
first attempt is in no index of its own). Each delivery is listed once: a record in the index
at its last attempt (its pages pass it over), any other on its newest page (a replay, or a
stream batch bisected and retried, queues a delivery again, and its new page names it too).

Each is placed at its entry's time, which its view shows as ``listed_at``: for one on a page,
when it was queued (last queued: a replay moves it up); for any other, its last update. The
order, ``since`` and ``until`` all use that one key, the index's sort key, so a caller who
pages back with ``until`` set to the last ``listed_at`` it saw misses nothing, whatever the
order attempts came in (a change held in the queue behind its subject's failing one is
attempted later than deliveries queued after it). ``updated_at`` stays the record's last
update.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.batch_records import is_batch, line_views
from chalicelib.dynamodb.delivery_items import shard_keys, view_of
from chalicelib.dynamodb.delivery_pages import is_page, planned_ids
from gateway.delivery import DeliveryState

_READ_AT_ONCE = 25  # entries read a request (a batch's may be 100 KB)
_RECORDS_AT_ONCE = 100  # a page's records read a request (each under 1 KB)
MOST_READ = 5_000
"""Items a listing reads at most (about 2 s on DynamoDB): asking for delivered deliveries of
an endpoint that failed for weeks would otherwise read every page of those weeks. What was
found by then is answered; ``since`` and ``until`` narrow the rest."""


class DeliveryListing(Table):
    def for_subscription(
        self,
        subscription_id: str,
        state: DeliveryState | None = None,
        limit: int = 100,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """The subscription's deliveries, newest ``listed_at`` first, optionally in one state
        and listed within [since, until]: every shard's entries, merged newest first, read
        whole until ``limit`` deliveries are found (a page may list none: all attempted
        singly)."""
        args = _query(self._table, state, since, until, limit)
        shards = [self._entries(args, shard) for shard in shard_keys(subscription_id)]
        newest = (entry_id for _, entry_id in heapq.merge(*shards, reverse=True))
        views: dict[str, dict[str, Any]] = {}  # a replay, or a bisected stream batch, pages
        for view in _Reading(self._items).views(newest):  # a delivery again: its newest place
            # The index lags the table a little: a state changed since is not the one asked.
            if state is None or view["state"] == state.value:
                views.setdefault(view["delivery_id"], view)
            if len(views) >= limit:
                break
        return list(views.values())

    def _entries(self, args: dict[str, Any], shard: str) -> Iterator[tuple[str, str]]:
        """One shard's entries, newest first (index order), read as they are asked for."""
        request = {**args, "ExpressionAttributeValues": {**args["ExpressionAttributeValues"]}}
        request["ExpressionAttributeValues"][":shard"] = s(shard)
        for item in self._query_items(**request):
            yield text(item, "updated_at"), text(item, "delivery_id")

    def _items(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        keys = [{"delivery_id": s(i)} for i in ids]
        found = self._batch_get({"Keys": keys, "ConsistentRead": True})
        return {text(item, "delivery_id"): item for item in found}


class _Reading:
    """One listing's reads, as they are asked for, up to ``MOST_READ`` items."""

    def __init__(self, items: Callable[[list[str]], dict[str, dict[str, Any]]]) -> None:
        self._items = items
        self._read = 0

    def views(self, entry_ids: Iterator[str]) -> Iterator[dict[str, Any]]:
        """The views of the entries named, in the order given: a delivered batch's lines and
        a page's deliveries (its newest first) in its place."""
        while self._read < MOST_READ:
            named = list(itertools.islice(entry_ids, _READ_AT_ONCE))
            if not named:
                return
            items = self._read_items(named)
            for item in (items[i] for i in named if i in items):
                listed = {"listed_at": text(item, "updated_at")}
                if is_page(item):
                    paged = self._paged(list(reversed(planned_ids(item))))
                    yield from ({**view, **listed} for view in paged)
                elif "state" in item:
                    found = line_views(item) if is_batch(item) else [view_of(item)]
                    yield from ({**view, **listed} for view in found)

    def _paged(self, delivery_ids: list[str]) -> Iterator[dict[str, Any]]:
        """The views of a page's deliveries it lists: those with a record (one not attempted
        yet has none, nor one whose attempt is only under way) in no index of their own."""
        for start in range(0, len(delivery_ids), _RECORDS_AT_ONCE):
            named = delivery_ids[start : start + _RECORDS_AT_ONCE]
            items = self._read_items(named)
            yield from (view_of(items[i]) for i in named if i in items and _on_page(items[i]))

    def _read_items(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The items named; none once ``MOST_READ`` are read (what was found is answered)."""
        if self._read >= MOST_READ:
            return {}
        self._read += len(ids)
        return self._items(ids)


def _on_page(item: dict[str, Any]) -> bool:
    return "state" in item and "subscription_shard" not in item


def _query(
    table: str,
    state: DeliveryState | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> dict[str, Any]:
    """The index query, its shard still to be named: dead or retrying entries are filtered
    in the index (a page has no state, and a record delivered at once is on a page only)."""
    bounds = {":since": since, ":until": until}
    values = {name: s(at.astimezone(UTC).isoformat()) for name, at in bounds.items() if at}
    condition = (
        "subscription_shard = :shard"
        + {
            (True, True): " AND updated_at BETWEEN :since AND :until",
            (True, False): " AND updated_at >= :since",
            (False, True): " AND updated_at <= :until",
            (False, False): "",
        }[":since" in values, ":until" in values]
    )
    args: dict[str, Any] = {
        "TableName": table,
        "IndexName": "by_subscription_shard",
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit,  # entries a request: most yield a delivery or more
    }
    if state is not None:
        delivered = state is DeliveryState.DELIVERED
        args["FilterExpression"] = (
            "attribute_not_exists(#state) OR #state = :state" if delivered else "#state = :state"
        )
        args["ExpressionAttributeNames"] = {"#state": "state"}
        args["ExpressionAttributeValues"][":state"] = s(state.value)
    return args
