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
It also stops there once it has read ``MOST_READ`` items, so no call reads without bound.
``updated_at`` stays the record's last update.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.batch_records import is_batch, line_views
from chalicelib.dynamodb.delivery_items import shard_keys, view_of
from chalicelib.dynamodb.delivery_pages import MOST_PER_PAGE, is_page, planned_ids
from chalicelib.dynamodb.due_index import decode_cursor, encode_cursor
from gateway.delivery import DeliveryState
from gateway_client.contract import SchemaError

_READ_AT_ONCE = 25  # entries read a request (a batch's may be 100 KB)
_RECORDS_AT_ONCE = 100  # a page's records read a request (each under 1 KB)
_ENTRY = re.compile(r"(msg_|bat_|page#)[0-9a-f]{32}")
MOST_READ = 5_000
"""Items a call reads at most (about 2 s on DynamoDB): asking for delivered deliveries of an
endpoint that failed for weeks would otherwise read every page of those weeks. What was found
by then is answered, with ``next`` where it stopped."""


@dataclass(frozen=True)
class Place:
    """Where a list stopped: its entry's time and id, and how many of the entry's deliveries
    (a page's ids, newest first; a batch's lines) it had passed."""

    at: str
    entry: str
    passed: int

    def cursor(self) -> str:
        return encode_cursor({"at": self.at, "entry": self.entry, "passed": self.passed})

    @classmethod
    def of(cls, cursor: str) -> Place:
        """A ``next`` given back (400 ``invalid_schema`` at ``after`` for anything else)."""
        found = decode_cursor(cursor)
        at, entry, passed = found.get("at"), found.get("entry"), found.get("passed")
        if not (
            isinstance(at, str)
            and _is_instant(at)
            and isinstance(entry, str)
            and _ENTRY.fullmatch(entry)
            and isinstance(passed, int)
            and 0 <= passed <= MOST_PER_PAGE
        ):
            raise SchemaError("after is the next value of a previous page", path="after")
        return cls(at, entry, passed)

    def key(self) -> tuple[str, str]:
        return self.at, self.entry


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
    ) -> Listed:
        """The subscription's deliveries, newest ``listed_at`` first, optionally in one state
        and listed within [since, until], from ``after`` on: every shard's entries, merged
        newest first, read whole until ``limit`` deliveries are found (a page may list none:
        all attempted singly), and where to go on from."""
        args = _query(self._table, state, since, until, limit, after)
        if args is None:  # ``after`` is older than ``since``: nothing left in the range
            return [], None
        shards = [self._entries(args, shard) for shard in shard_keys(subscription_id)]
        entries: Iterator[tuple[str, str]] = heapq.merge(*shards, reverse=True)
        if after is not None:
            entries = itertools.dropwhile(lambda e: e > after.key(), entries)
        views: dict[str, dict[str, Any]] = {}  # a replay, or a bisected stream batch, pages
        for place, view in _Reading(self._items, after).views(entries):  # a delivery again
            if view is None:  # read as much as a call may
                return list(views.values()), place
            # The index lags the table a little: a state changed since is not the one asked.
            if state is None or view["state"] == state.value:
                views.setdefault(view["delivery_id"], view)
            if len(views) >= limit:
                return list(views.values()), place
        return list(views.values()), None

    def dead(
        self, subscription_id: str, out_of_time: Callable[[], bool]
    ) -> Iterator[dict[str, Any]]:
        """The subscription's dead deliveries, the longest dead first (in the index at their
        last attempt: records only, each a delivery), read as they are asked for, a hundred
        at a time, until ``out_of_time``."""
        args = _index_query(self._table, DeliveryState.DEAD, {}, _RECORDS_AT_ONCE, True)
        shards = [self._entries(args, shard) for shard in shard_keys(subscription_id)]
        entries = heapq.merge(*shards)
        while not out_of_time():
            named = [i for _, i in itertools.islice(entries, _RECORDS_AT_ONCE)]
            if not named:
                return
            items = self._items(named)
            views = (v for i in named if i in items for v in _record_views(items[i]))
            yield from (v for v in views if v["state"] == DeliveryState.DEAD.value)

    def _entries(self, args: dict[str, Any], shard: str) -> Iterator[tuple[str, str]]:
        """One shard's entries, in the query's order, read as they are asked for; entries of
        one time (the pages of one queueing, say) by id in that order, that being what the
        merge and a ``Place`` compare (the index orders them by time alone)."""
        request = {**args, "ExpressionAttributeValues": {**args["ExpressionAttributeValues"]}}
        request["ExpressionAttributeValues"][":shard"] = s(shard)
        found = (
            (text(i, "updated_at"), text(i, "delivery_id")) for i in self._query_items(**request)
        )
        for _, tied in itertools.groupby(found, key=lambda entry: entry[0]):
            yield from sorted(tied, reverse=not request["ScanIndexForward"])

    def _items(self, ids: list[str]) -> dict[str, dict[str, Any]]:
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

    def views(self, entries: Iterator[tuple[str, str]]) -> Iterator[Found]:
        """The views of the entries, in order: a delivered batch's lines and a page's
        deliveries (its newest first) in its place."""
        while named := list(itertools.islice(entries, _READ_AT_ONCE)):
            if self._read >= MOST_READ:
                yield Place(*named[0], 0), None
                return
            items = self._read_items([i for _, i in named])
            for at, entry in named:
                item = items.get(entry)
                if item is None:
                    continue
                start = (
                    self._after.passed if self._after and self._after.key() == (at, entry) else 0
                )
                listed = {"listed_at": at}
                for passed, view in self._of(item, start):
                    place = Place(at, entry, passed)
                    yield place, view if view is None else {**view, **listed}
                    if view is None:
                        return

    def _of(self, item: dict[str, Any], start: int) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """An entry's views from position ``start``, each with the position after it."""
        if is_page(item):
            yield from self._paged(list(reversed(planned_ids(item))), start)
        elif "state" in item:
            found = _record_views(item)
            yield from ((n + 1, found[n]) for n in range(start, len(found)))

    def _paged(
        self, delivery_ids: list[str], start: int
    ) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """The deliveries a page lists: those with a record (one not attempted yet has none,
        nor one whose attempt is only under way) in no index of their own; (where it
        stopped, None) at the read bound."""
        for first in range(start, len(delivery_ids), _RECORDS_AT_ONCE):
            if self._read >= MOST_READ:
                yield first, None
                return
            named = delivery_ids[first : first + _RECORDS_AT_ONCE]
            items = self._read_items(named)
            for n, i in enumerate(named, start=first + 1):
                if i in items and _on_page(items[i]):
                    yield n, view_of(items[i])

    def _read_items(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self._read += len(ids)
        return self._items(ids)


def _record_views(item: dict[str, Any]) -> list[dict[str, Any]]:
    """A record's deliveries: a delivered batch's lines, else the one it records (a dead
    batch's lines have records of their own)."""
    return line_views(item) if is_batch(item) else [view_of(item)]


def _is_instant(raw: str) -> bool:
    try:
        return datetime.fromisoformat(raw).tzinfo is not None
    except ValueError:
        return False


def _on_page(item: dict[str, Any]) -> bool:
    return "state" in item and "subscription_shard" not in item


def _query(
    table: str,
    state: DeliveryState | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    after: Place | None,
) -> dict[str, Any] | None:
    """The index query, its shard still to be named (None: an empty range): dead or retrying
    entries are filtered in the index (a page has no state, and a record delivered at once is
    on a page only)."""
    bounds = {":since": since, ":until": until}
    values = {name: s(at.astimezone(UTC).isoformat()) for name, at in bounds.items() if at}
    if after is not None and (":until" not in values or after.at < values[":until"]["S"]):
        values[":until"] = s(after.at)  # the entry it stopped in, and older ones
    if ":since" in values and ":until" in values and values[":until"]["S"] < values[":since"]["S"]:
        return None  # DynamoDB refuses a BETWEEN whose bounds are reversed
    return _index_query(table, state, values, limit, False)


def _index_query(
    table: str,
    state: DeliveryState | None,
    values: dict[str, Any],
    limit: int,
    oldest_first: bool,
) -> dict[str, Any]:
    """The query of the entries listed within the bounds ``values`` holds (``:since``,
    ``:until``), in one state, in the order asked."""
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
        "ScanIndexForward": oldest_first,
        # entries a request: most yield a delivery or more; not fewer than a read's worth,
        # or a filtered list of one would ask once per entry it passes over
        "Limit": max(limit, _READ_AT_ONCE * 4),
    }
    if state is not None:
        delivered = state is DeliveryState.DELIVERED
        args["FilterExpression"] = (
            "attribute_not_exists(#state) OR #state = :state" if delivered else "#state = :state"
        )
        args["ExpressionAttributeNames"] = {"#state": "state"}
        args["ExpressionAttributeValues"][":state"] = s(state.value)
    return args
