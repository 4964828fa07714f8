"""Monthly statistics counters in the batches table (``gateway.statistics.tallies``).

One item per (bucket, region): ``stats#{bucket}#{region}`` (a region with a shard suffix for
deliveries, ``gateway.statistics.tallies.delivered_key``), its counters as attributes, and
``stats_bucket`` / ``stats_region`` as the keys of the sparse ``by_stats_bucket`` index, so a
report reads its month's and the present items of a whole subtree with one query each
(``stats_bucket = month AND begins_with(stats_region, subtree prefix)``), never a scan.

Writes are ``ADD``s. A stream record's delta is applied once. A record whose change the exchange
log appends is counted in the log's own transaction (``DynamoExchangeLog.append_counted``): the
change's entry in its listing's index is its marker, so it costs no item of its own. Any other
record (one that changes a count but is no change to log, or whose change was logged before the
log had chunks) puts a marker item (``stats#seen#{event id}``, kept two days: the stream keeps
records for one) in the same transaction as the chunk's summed counters. Either way a retried
batch, however Lambda splits it, skips what a former attempt applied.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, n, s
from chalicelib.dynamodb.conflicts import item_too_large, lost_turn, pause, too_large_at
from gateway.statistics import COUNTERS_KEPT, NOW, Key, total
from gateway_client.contract import CHINA, NATION, subtree_prefix, within

log = logging.getLogger("credit_gateway.statistics")

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

INDEX = "by_stats_bucket"
_KEEP = COUNTERS_KEPT  # like the usage counters: three years of months
_MARKER_KEEP = timedelta(days=2)
_TRANSACTION = 100  # TransactWriteItems' most actions
_CONFLICT_TRIES = 5
_REMOVE_SLICE = 200  # counter names a REMOVE clears: its expression stays under 4 KB
_ZERO_SLICE = 150  # zeros a removal names: its condition's "= AND" stay within 300 operators
_ADD_SLICE = 150  # counters an ADD adds (a name and a value each): the same bound
_PART = "#part"
_MOVED_MEANWHILE = {  # a zero counted since it was read, or a transaction on the item then
    "ConditionalCheckFailedException",
    "TransactionConflictException",
}

CURRENT_RUN = "stats#rebuild#current"
Counts = dict[str, int]


class Superseded(Exception):
    """A statistics rebuild run's page counting after a later run began (``add_once``)."""


Change = tuple[str, Mapping[Key, int]]  # (stream event id, the record's delta)


def _key(region: str, bucket: str) -> Item:
    return {"pk": s(_pk(region, bucket))}


def _pk(region: str, bucket: str) -> str:
    return f"stats#{bucket}#{region}"


class DynamoStatistics(Table):
    def add(self, deltas: Mapping[Key, int], now: datetime) -> None:
        """Counters added, one ``UpdateItem`` per item (events counted where they happen,
        exactly once by their own means: a feedback report, a delivery)."""
        for region, bucket, counts in items_of(deltas, now):
            self._client.update_item(**self.update(region, bucket, counts, now))

    def add_once(
        self,
        changes: Sequence[Change],
        now: datetime,
        keep: timedelta = _MARKER_KEEP,
        run: str | None = None,
    ) -> int:
        """Each change's delta, unless its marker shows it was applied; how many were.
        ``keep``: how long the markers last, as long as the same change may come again (a
        stream's record: two days; a delivered batch's lines: ``batch_settling``). ``run``: a
        statistics rebuild's, each transaction conditioned on its being the current run
        (``Superseded`` else: a page that began before a later run must not count into the
        counters that run cleared, review 148)."""
        room = _TRANSACTION - (run is not None)
        applied: set[str] = set()
        chunk: list[Change] = []
        for change in (part for whole in changes if whole[1] for part in _sliced(whole)):
            merged = items_of(total([d for _, d in [*chunk, change]]), now)
            widest = max((len(counts) for *_, counts in merged), default=0)
            if len(chunk) + 1 + len(merged) > room or widest > _ADD_SLICE:
                applied |= self._apply(chunk, now, keep, run)
                chunk = []
            chunk.append(change)
        applied |= self._apply(chunk, now, keep, run) if chunk else set()
        return len({event_id.partition(_PART)[0] for event_id in applied})

    def _apply(
        self, chunk: list[Change], now: datetime, keep: timedelta, run: str | None
    ) -> set[str]:
        """One transaction; the changes a former attempt applied (their markers' conditions
        failed) are left out and the rest tried again. The ids of those it applied."""
        for attempt in range(_CONFLICT_TRIES + len(chunk)):
            if not chunk:
                return set()
            actions = self._actions(chunk, now, keep) + ([self._current(run)] if run else [])
            try:
                self._client.transact_write_items(TransactItems=actions)
                return {event_id for event_id, _ in chunk}
            except ClientError as error:
                if full := full_items(error, actions, len(chunk)):  # as the log does
                    chunk = [(event_id, without(delta, full)) for event_id, delta in chunk]
                    continue
                if item_too_large(error):
                    log.error("statistics not counted: %s", error)
                    return set()
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons", [])
                if run and (reasons[-1:] or [{}])[0].get("Code") == "ConditionalCheckFailed":
                    raise Superseded(run) from None
                seen = {
                    i
                    for i, reason in enumerate(reasons[: len(chunk)])
                    if reason.get("Code") == "ConditionalCheckFailed"
                }
                if not seen and attempt >= _CONFLICT_TRIES:
                    raise
                if not seen:  # another writer held one of the items: back off
                    time.sleep(0.05 * 2**attempt)
                chunk = [c for i, c in enumerate(chunk) if i not in seen]
        raise RuntimeError("statistics counters kept conflicting")

    def _current(self, run: str) -> TransactWriteItemTypeDef:
        """A check that ``run`` is still the rebuild going on (``begin_run``)."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": {"pk": s(CURRENT_RUN)},
                "ConditionExpression": "run = :run",
                "ExpressionAttributeValues": {":run": s(run)},
            }
        }

    def _actions(
        self, chunk: list[Change], now: datetime, keep: timedelta
    ) -> list[TransactWriteItemTypeDef]:
        markers: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {"pk": s(f"stats#seen#{event_id}")},
                    "UpdateExpression": "SET expires_at = :expires",
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ExpressionAttributeValues": {":expires": n(int((now + keep).timestamp()))},
                }
            }
            for event_id, _ in chunk
        ]
        return markers + self.updates(total([d for _, d in chunk]), now)

    def updates(self, deltas: Mapping[Key, int], now: datetime) -> list[TransactWriteItemTypeDef]:
        """The ``Update`` actions adding ``deltas`` (for a transaction: this one's, or the
        exchange log's, whose index entry of a change is then the change's marker)."""
        return [
            {"Update": self.update(region, bucket, counts, now)}  # type: ignore[typeddict-item]
            for region, bucket, counts in items_of(deltas, now)
        ]

    def update(self, region: str, bucket: str, counts: Counts, now: datetime) -> dict[str, Any]:
        """The ``UpdateItem`` adding ``counts`` to an item (for a caller's own transaction)."""
        names = {f"#c{i}": name for i, name in enumerate(counts)}
        values = {f":c{i}": n(count) for i, count in enumerate(counts.values())}
        adds = ", ".join(f"{name} {value}" for name, value in zip(names, values, strict=True))
        sets = "stats_bucket = :bucket, stats_region = :region"
        expiry: dict[str, Any] = {}
        if bucket != NOW:  # the present never expires; a month three years after it began
            # (from the month, not the write: an item written late outlived the keep, past
            # which ``items_of`` takes nothing back from it — review 359)
            sets += ", expires_at = :expires"
            expiry = {":expires": n(int((_month_start(bucket) + _KEEP).timestamp()))}
        return {
            "TableName": self._table,
            "Key": _key(region, bucket),
            "UpdateExpression": f"ADD {adds} SET {sets}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                **values,
                ":bucket": s(bucket),
                ":region": s(region),
                **expiry,
            },
        }

    def begin_run(self, run: str, now: datetime) -> None:
        """``run`` becomes the statistics rebuild going on, superseding any other (whose
        later pages ``current_run`` then refuses): runs never interleave."""
        expires = n(int((now + _MARKER_KEEP).timestamp()))
        self._client.put_item(
            TableName=self._table,
            Item={"pk": s(CURRENT_RUN), "run": s(run), "expires_at": expires},
        )

    def current_run(self) -> str | None:
        """The latest statistics rebuild begun (``None``: none within two days)."""
        item = self._get({"pk": s(CURRENT_RUN)})
        return str(item["run"]["S"]) if item else None

    def run_step(self, run: str) -> str | None:
        """The step a statistics rebuild ``run`` has reached (``None``: still clearing)."""
        item = self._get({"pk": s(f"stats#rebuild#{run}")})
        return str(item["step"]["S"]) if item else None

    def reach_step(self, run: str, step: str, now: datetime) -> None:
        """Note that ``run`` has moved on to ``step``: outside the counters' index, kept as
        long as the run's page markers."""
        expires = n(int((now + _MARKER_KEEP).timestamp()))
        self._client.put_item(
            TableName=self._table,
            Item={"pk": s(f"stats#rebuild#{run}"), "step": s(step), "expires_at": expires},
        )

    def clear(self, items: Sequence[Item], kept: Callable[[str, str, str], bool], run: str) -> int:
        """Counter items (as the index holds them) emptied for rebuild ``run``, but for the
        counters ``kept(region, bucket, attribute)`` spares: the others removed by name, so a
        live count landing on a kept one meanwhile stays (review 148: the item was put back as
        read, that count lost for good) — a count on a name the page did not read stays too,
        and is recounted: counted twice, as the rebuild's notes say of a count between the
        clearing and the recount. ``_REMOVE_SLICE`` names an update (an expression is at most
        4 KB), each conditioned on ``run`` being current (``Superseded`` else: a page of an
        earlier run must not empty what a later one recounted, review 149). How many items were
        cleared."""
        for item in items:
            region, bucket = item["stats_region"]["S"], item["stats_bucket"]["S"]
            counters = {k for k, v in item.items() if _counter(k, v)}
            dropped = sorted(k for k in counters if not kept(region, bucket, k))
            for first in range(0, len(dropped), _REMOVE_SLICE):
                self._remove(item["pk"], dropped[first : first + _REMOVE_SLICE], run)
        return len(items)

    def _remove(self, pk: Any, counters: Sequence[str], run: str) -> None:
        names = {f"#c{i}": name for i, name in enumerate(counters)}
        update: Any = {
            "TableName": self._table,
            "Key": {"pk": pk},
            "UpdateExpression": "REMOVE " + ", ".join(names),
            "ConditionExpression": "attribute_exists(pk)",  # one its TTL deleted stays so
            "ExpressionAttributeNames": names,
        }
        for attempt in range(1, _CONFLICT_TRIES + 1):
            try:
                self._client.transact_write_items(
                    TransactItems=[{"Update": update}, self._current(run)]
                )
                return
            except ClientError as error:
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                if reasons[1:2] == ["ConditionalCheckFailed"]:
                    raise Superseded(run) from None
                if reasons[:1] == ["ConditionalCheckFailed"]:  # the item is gone: nothing to do
                    return
                if attempt == _CONFLICT_TRIES or not lost_turn(error):
                    raise
            time.sleep(pause(attempt))

    def drop_zeros(self) -> int:
        """The present's counters that have fallen to 0, removed: one per deadline day of an
        open commitment or objection ever counted would otherwise stay, and a region's item
        would fill (DynamoDB's 400 KB: its counts then lost, review 386). A 0 reads as an
        absent counter, so nothing a report shows changes. Each removal is conditioned on the
        counters still being 0: one counted meanwhile stays, for the next tick. How many went."""
        dropped = 0
        for item in self._query(NATION, NOW):
            zeros = sorted(k for k, v in item.items() if _counter(k, v) and int(v["N"]) == 0)
            for first in range(0, len(zeros), _ZERO_SLICE):
                dropped += self._remove_zeros(item["pk"], zeros[first : first + _ZERO_SLICE])
        return dropped

    def _remove_zeros(self, pk: Any, counters: Sequence[str]) -> int:
        names = {f"#c{i}": name for i, name in enumerate(counters)}
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": pk},
                UpdateExpression="REMOVE " + ", ".join(names),
                ConditionExpression=" AND ".join(f"{name} = :zero" for name in names),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":zero": n(0)},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _MOVED_MEANWHILE:
                raise
            return 0
        return len(counters)

    def read(self, region: str, bucket: str) -> dict[str, Counts]:
        """The bucket's counters of every region in ``region``'s subtree, by region (a
        region's shards summed)."""
        found: dict[str, Counts] = {}
        for item in self._query(region, bucket):
            where = str(item["stats_region"]["S"]).partition("#")[0]
            if not within(where, region):
                continue
            for k, v in item.items():
                if _counter(k, v):  # an item a rebuild emptied shows nothing
                    counts = found.setdefault(where, {})
                    counts[k] = counts.get(k, 0) + int(v["N"])
        return found

    def _query(self, region: str, bucket: str) -> Iterator[dict[str, Any]]:
        condition, values = "stats_bucket = :bucket", {":bucket": s(bucket)}
        if region != NATION:
            condition += " AND begins_with(stats_region, :prefix)"
            values[":prefix"] = s(subtree_prefix(region))
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
        for page in pages:
            yield from page.get("Items", [])


def full_items(
    error: ClientError, actions: Sequence[TransactWriteItemTypeDef], first: int
) -> set[str]:
    """The counter items (keys) that a cancelled transaction, whose counters' updates begin
    at ``first`` of its ``actions``, was refused for growing past DynamoDB's 400 KB (a region's
    own pushes can fill its present's item: one counter per deadline day). Logged: their
    counts are lost, and the transaction is to be tried again without them, so that no other
    item's counts (another region's, review 387) nor the changes themselves are lost too."""
    updates: list[Any] = [a.get("Update") for a in actions]
    full = {
        str(updates[i]["Key"]["pk"]["S"])
        for i in too_large_at(error)
        if first <= i < len(updates) and updates[i]
    }
    if full:
        log.error("statistics not counted in %s: %s", ", ".join(sorted(full)), error)
    return full


def without(deltas: Mapping[Key, int], full: set[str]) -> dict[Key, int]:
    """``deltas`` but for the counters of the ``full`` items."""
    return {k: v for k, v in deltas.items() if _pk(k[0], k[1]) not in full}


def _counter(name: str, value: Mapping[str, Any]) -> bool:
    """Whether an item's attribute is one of its counters (a number, not its expiry)."""
    return "N" in value and name != "expires_at"


def _sliced(change: Change) -> list[Change]:
    """A change whose counters in one item pass ``_ADD_SLICE``, as parts that stay within it,
    each with a marker of its own (``<event id>#part<k>``): one ``ADD`` naming them all would
    pass DynamoDB's 4 KB expression limit (review 152: a rebuild page of a region with 360
    deadlines answered 500 for good)."""
    event_id, delta = change
    by_item: dict[tuple[str, str], list[tuple[Key, int]]] = {}
    for key, count in delta.items():
        by_item.setdefault((key[0], key[1]), []).append((key, count))
    if all(len(keys) <= _ADD_SLICE for keys in by_item.values()):
        return [change]
    parts: list[dict[Key, int]] = []
    for keys in by_item.values():
        for k, first in enumerate(range(0, len(keys), _ADD_SLICE)):
            if len(parts) <= k:
                parts.append({})
            parts[k].update(keys[first : first + _ADD_SLICE])
    return [(f"{event_id}{_PART}{k}", part) for k, part in enumerate(parts)]


def items_of(deltas: Mapping[Key, int], now: datetime) -> list[tuple[str, str, Counts]]:
    """Counters grouped by the item that holds them; none for a month past the counters'
    keep (``_KEEP`` after its first day: its item, written first that month at the earliest,
    may be gone by its TTL), since an ``ADD`` would make it again holding only this change's
    counts — a purge's, five years on, all negative. Such a month's figures stay as kept."""
    grouped: dict[tuple[str, str], Counts] = {}
    for (region, bucket, attribute), count in kept(deltas, now).items():
        grouped.setdefault((region, bucket), {})[attribute] = count
    return [(region, bucket, counts) for (region, bucket), counts in grouped.items()]


def kept(deltas: Mapping[Key, int], now: datetime) -> dict[Key, int]:
    """The counts ``items_of`` writes: none zero, none of a month past the keep."""
    return {key: count for key, count in deltas.items() if count and not _past_keep(key[1], now)}


def _past_keep(bucket: str, now: datetime) -> bool:
    return bucket != NOW and now - _month_start(bucket) > _KEEP


def _month_start(bucket: str) -> datetime:
    year, month = map(int, bucket.split("-"))
    return datetime(year, month, 1, tzinfo=CHINA)
