"""A subscription's deliveries, newest first, read through ``by_subscription_shard``.

That index holds three kinds of entry (``delivery_items``): the records of deliveries an
attempt did not deliver at once, a delivered batch's record (a delivery per line), and the
pages that list what was queued (``delivery_pages``: a delivery its endpoint accepted at the
first attempt is in no index of its own). Each delivery is listed once: a record in the index
at its last attempt (its pages pass it over), any other on its newest page (a replay, or a
stream batch bisected and retried, queues a delivery again, and its new page names it too).

Each is placed at its entry's time, which its view shows as ``listed_at``: for one on a page,
when it was queued (last queued: a replay moves it up); for any other, its last update. The
order, ``since`` and ``until`` use that key, the index's sort key. Many deliveries share one
``listed_at`` (a page's, or a batch's lines), so a list that stops before the end answers
``next``: a ``Place`` — the entry's time, its id, and how far into it the list got — from which
the following call goes on, missing and repeating nothing whatever the order attempts came in.
It also stops there once it has read ``MOST_READ`` items, so no call reads without bound:
those a filter (``state``) passes over in the index count too, each query's page marking how
far it read (an ``Entry`` of its own), so a list can stop among them.
``updated_at`` stays the record's last update.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.batch_records import is_batch, line_views
from chalicelib.dynamodb.delivery_items import (
    DEAD,
    DECLINABLE,
    SHARDS,
    kind_of,
    shard_keys,
    view_of,
)
from chalicelib.dynamodb.delivery_list_query import Place, index_query, list_query
from chalicelib.dynamodb.delivery_pages import is_page, planned_ids
from gateway.delivery import DeliveryState

_READ_AT_ONCE = 25  # entries read a request (a batch's may be 100 KB)
_RECORDS_AT_ONCE = 100  # a page's records read a request (each under 1 KB)
MOST_READ = 5_000
"""Items a call reads at most (about 2 s on DynamoDB): asking for delivered deliveries of an
endpoint that failed for weeks would otherwise read every page of those weeks. What was found
by then is answered, with ``next`` where it stopped."""


PAGE_BYTES = 4_000_000
"""What a page's views come to at most (``listed``'s ``weigh``: as Lambda counts a reply, under
its 6 MB): a delivery keeps up to 50 attempts, each with up to 2,048 bytes of its endpoint's
answer, and 500 of them passed it (review 376)."""


Entry = tuple[str, str, bool]
"""An index entry's time and id; True for a mark of how far a query has read (the last key its
page evaluated), which the merge places among the entries like one: a list stops there having
read past what the filter left out, and goes on from it."""

Listed = tuple[list[dict[str, Any]], Place | None]
"""The deliveries found, and where to go on from (None: the end)."""


class DeliveryListing(Table):
    def for_subscription(
        self,
        subscription_id: str,
        state: DeliveryState | None = None,
        limit: int = 100,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """The first ``limit`` deliveries of ``listed``."""
        return self.listed(subscription_id, state, limit, since, until)[0]

    def listed(
        self,
        subscription_id: str,
        state: DeliveryState | None = None,
        limit: int = 100,
        since: datetime | None = None,
        until: datetime | None = None,
        after: Place | None = None,
        weigh: Callable[[dict[str, Any]], int] | None = None,
    ) -> Listed:
        """The subscription's deliveries, newest ``listed_at`` first, optionally in one state
        and listed within [since, until], from ``after`` on: every shard's entries, merged
        newest first, read whole until ``limit`` deliveries are found (a page may list none:
        all attempted singly), or until the next would take the views past ``PAGE_BYTES`` as
        ``weigh`` counts them, and where to go on from."""
        # each partition's query asks for its share of ``limit`` (at least ENTRIES_A_QUERY),
        # not all of it: 24 partitions primed with 500 each read past MOST_READ before the
        # first delivery was answered (review 322); a partition holding more goes on paging
        share = -(-limit // SHARDS)
        args = list_query(self._table, state, since, until, share, after)
        if args is None:  # ``after`` is older than ``since``: nothing left in the range
            return [], None
        reading = _Reading(self._items, after)
        shards = [
            self._entries(args, shard, reading.count) for shard in shard_keys(subscription_id)
        ]
        entries: Iterator[Entry] = heapq.merge(*shards, reverse=True)
        if after is not None:
            entries = itertools.dropwhile(lambda e: e[:2] > after.key(), entries)
        views: dict[str, dict[str, Any]] = {}  # a replay, or a bisected stream batch, pages
        size, last = 0, after
        for place, view in reading.views(entries):  # a delivery again
            if view is None:  # read as much as a call may
                return list(views.values()), place
            # The index lags the table a little: a state changed since is not the one asked.
            if (state is None or view["state"] == state.value) and view["delivery_id"] not in views:
                cost = 0 if weigh is None else weigh(view)
                if views and size + cost > PAGE_BYTES:
                    return list(views.values()), last
                size += cost
                views[view["delivery_id"]] = view
            if len(views) >= limit:
                return list(views.values()), place
            last = place
        return list(views.values()), None

    def dead(
        self,
        subscription_id: str,
        out_of_time: Callable[[], bool],
        declinable_after: datetime | bool = True,
    ) -> Iterator[dict[str, Any]]:
        """The subscription's dead deliveries, the longest dead first (in the index's dead
        partitions at their last attempt: records only, each a delivery, and only the dead
        ones but those a re-drive reopened since), read as they are asked for, a hundred
        at a time, until ``out_of_time`` (asked again after each page of other records the
        query reads past). Of those an enable may decline, in partitions apart
        (``delivery_items``): all, none, or those last attempted at or after a time — the
        index's range, so what a decline left behind is never read."""
        shards = [self._dead_entries(shard, {}) for shard in shard_keys(subscription_id, (DEAD,))]
        if declinable_after is not False:
            since = (
                {}
                if declinable_after is True
                else {":since": s(declinable_after.astimezone(UTC).isoformat())}
            )
            shards += [
                self._dead_entries(shard, since)
                for shard in shard_keys(subscription_id, (DECLINABLE,))
            ]
        chunks = _chunks(heapq.merge(*shards), _RECORDS_AT_ONCE)
        while not out_of_time():
            chunk = next(chunks, None)
            if chunk is None:
                return
            named = [i for _, i, mark in chunk if not mark]
            items = self._items(named)
            for item in (items[i] for i in named if i in items):
                kind = kind_of(item)  # what a declining enable may not touch
                dead = (v for v in _record_views(item) if v["state"] == DeliveryState.DEAD.value)
                yield from ({**view, **kind} for view in dead)

    def _dead_entries(self, shard: str, bounds: dict[str, Any]) -> Iterator[Entry]:
        args = index_query(self._table, DeliveryState.DEAD, bounds, _RECORDS_AT_ONCE, True)
        return self._entries(args, shard, lambda _: None)

    def _entries(
        self, args: dict[str, Any], shard: str, count: Callable[[int], None]
    ) -> Iterator[Entry]:
        """One shard's entries, in the query's order, read as they are asked for, each page's
        mark after them (the items it read go to ``count``); entries of one time (the pages of
        one queueing, say) by id in that order, that being what the merge and a ``Place``
        compare (the index orders them by time alone)."""
        request = {**args, "ExpressionAttributeValues": {**args["ExpressionAttributeValues"]}}
        request["ExpressionAttributeValues"][":shard"] = s(shard)

        def found() -> Iterator[Entry]:
            for reply in self._query_replies(**request):
                count(reply.get("ScannedCount", 0))
                for item in reply.get("Items", []):
                    yield text(item, "updated_at"), text(item, "delivery_id"), False
                if last := reply.get("LastEvaluatedKey"):
                    yield text(last, "updated_at"), text(last, "delivery_id"), True

        for _, tied in itertools.groupby(found(), key=lambda entry: entry[0]):
            yield from sorted(tied, reverse=not request["ScanIndexForward"])

    def _items(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        keys = [{"delivery_id": s(i)} for i in ids]
        found = self._batch_get({"Keys": keys, "ConsistentRead": True})
        return {text(item, "delivery_id"): item for item in found}


Found = tuple[Place, dict[str, Any] | None]
"""Where the list is once past a delivery, and its view; None: the read bound, stop there."""


class _Reading:
    """One listing's reads, as they are asked for, up to ``MOST_READ`` items."""

    def __init__(
        self, items: Callable[[list[str]], dict[str, dict[str, Any]]], after: Place | None
    ) -> None:
        self._items = items
        self._after = after
        self._read = 0

    def count(self, read: int) -> None:
        """Items read in the index (those its filter passed over too)."""
        self._read += read

    def views(self, entries: Iterator[Entry]) -> Iterator[Found]:
        """The views of the entries, in order: a delivered batch's lines and a page's
        deliveries (its newest first) in its place."""
        for chunk in _chunks(entries, _READ_AT_ONCE):
            if self._spent(stop := Place(*chunk[0][:2], 0)):
                yield stop, None
                return
            named = [(at, entry) for at, entry, mark in chunk if not mark]
            items = self._read_items([i for _, i in named])
            for at, entry in named:
                item = items.get(entry)
                if item is None:
                    continue
                start = (
                    self._after.passed if self._after and self._after.key() == (at, entry) else 0
                )
                listed = {"listed_at": at}
                for passed, view in self._of(item, start, at, entry):
                    place = Place(at, entry, passed)
                    yield place, view if view is None else {**view, **listed}
                    if view is None:
                        return

    def _of(
        self, item: dict[str, Any], start: int, at: str, entry: str
    ) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """An entry's views from position ``start``, each with the position after it."""
        if is_page(item):
            yield from self._paged(list(reversed(planned_ids(item))), start, at, entry)
        elif "state" in item:
            found = _record_views(item)
            yield from ((n + 1, found[n]) for n in range(start, len(found)))

    def _paged(
        self, delivery_ids: list[str], start: int, at: str, entry: str
    ) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """The deliveries a page lists: those with a record (one not attempted yet has none,
        nor one whose attempt is only under way) in no index of their own; (where it
        stopped, None) at the read bound."""
        for first in range(start, len(delivery_ids), _RECORDS_AT_ONCE):
            if self._spent(Place(at, entry, first)):
                yield first, None
                return
            named = delivery_ids[first : first + _RECORDS_AT_ONCE]
            items = self._read_items(named)
            for n, i in enumerate(named, start=first + 1):
                if i in items and _on_page(items[i]):
                    yield n, view_of(items[i])

    def _spent(self, at: Place) -> bool:
        """Read as much as a call may, at a place past the one the call began at: else the
        next call, from the same place, would stop there again, or go back to the start of a
        page it stopped inside (review 297: a run of ties longer than a query's page marked
        its last entry, and each call stopped there)."""
        if self._read < MOST_READ:
            return False
        began = self._after
        if began is None or at.key() != began.key():
            return began is None or at.key() < began.key()
        return at.passed > began.passed

    def _read_items(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self._read += len(ids)
        return self._items(ids)


def _chunks(entries: Iterator[Entry], most: int) -> Iterator[list[Entry]]:
    """The entries ``most`` at a time, a chunk ending early at a query's mark (so a bound is
    looked at again after every page read)."""
    chunk: list[Entry] = []
    for entry in entries:
        chunk.append(entry)
        if entry[2] or len(chunk) == most:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _record_views(item: dict[str, Any]) -> list[dict[str, Any]]:
    """A record's deliveries: a delivered batch's lines, else the one it records (a dead
    batch's lines have records of their own)."""
    return line_views(item) if is_batch(item) else [view_of(item)]


def _on_page(item: dict[str, Any]) -> bool:
    return "state" in item and "subscription_shard" not in item
