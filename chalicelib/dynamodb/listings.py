"""Listings keyed by (credit code, listing id); a version condition rules out regressions."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.dynamodb.base import Item, Table, s, text
from chalicelib.dynamodb.due_backfill import backfill_page
from chalicelib.dynamodb.due_index import (
    due_attributes,
    due_clauses,
    due_value,
    page_keys,
    sealed_scan,
)
from chalicelib.dynamodb.listing_doc import listing_from_item, provenances_as_read, stored_doc
from chalicelib.dynamodb.sealed_tokens import Sealer
from chalicelib.heap import before_page
from gateway.intake import Held
from gateway.lifecycle import DueDates
from gateway.ports import Page, Write
from gateway_client.contract import Listing, ListingStatus, subtree_prefix

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
_BATCH_GET = 100
_WRITERS = 8
_READERS = 16
_BACKOFF = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 0.0)
SOURCE_INDEX = "by_source"
_UNDER, _OWN = "begins_with(origin_region, :p)", "origin_region = :r"  # its subtree; its code
SOURCE_SHARDS = 16
"""The source index is keyed by province and shard: a province's bulk writes spread over
16 partitions instead of one hot one."""


def source_shard(origin_region: str, listing_id: str) -> str:
    return f"{origin_region[:2]}#{int(listing_id[-2:], 16) % SOURCE_SHARDS:02d}"


def _attributes(listing: Listing) -> dict[str, str]:
    """The item's attributes besides its key and provenances: the document and what the
    indexes and filters read (``listing_doc``: the document leaves these out)."""
    return {
        "version": listing.version,
        "doc": stored_doc(listing),
        "status": listing.status.value,
        "kind": listing.kind.value,
        "domain": listing.domain,
        "origin_region": listing.origin_region,
        "source_shard": source_shard(listing.origin_region, listing.listing_id),
    }


def _in_parallel(work: Callable[[Any], T], chunks: Sequence[Any]) -> list[T]:
    """Independent requests overlap their round trips (boto3 clients are thread-safe)."""
    if len(chunks) <= 1:
        return [work(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=min(_WRITERS, len(chunks))) as pool:
        return list(pool.map(work, chunks))


def _key(credit_code: str, listing_id: str) -> Item:
    return {"credit_code": s(credit_code), "listing_id": s(listing_id)}


class DynamoListings(Table):
    def __init__(self, client: DynamoDBClient, table_name: str, dates: DueDates | None = None):
        """``dates``: the deployment's retention settings, for the due-date indexes."""
        super().__init__(client, table_name)
        self._dates = dates or DueDates()

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        """Strongly consistent reads, 100 keys to a BatchGetItem, the requests in parallel."""
        unique = list(dict.fromkeys(keys))
        chunks = [unique[i : i + _BATCH_GET] for i in range(0, len(unique), _BATCH_GET)]
        found: dict[str, Listing] = {}
        for part in _in_parallel(self._get_chunk, chunks):
            found.update(part)
        return found

    def _get_chunk(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        found: dict[str, Listing] = {}
        pending: dict[str, Any] = {
            self._table: {"Keys": [_key(code, lid) for code, lid in keys], "ConsistentRead": True}
        }
        for pause in _BACKOFF:
            reply = self._client.batch_get_item(RequestItems=pending)
            for item in reply.get("Responses", {}).get(self._table, []):
                found[text(item, "listing_id")] = listing_from_item(item)
            pending = dict(reply.get("UnprocessedKeys") or {})
            if not pending:
                return found
            time.sleep(pause)
        raise RuntimeError("DynamoDB kept keys unprocessed (throttled); retry later")

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        """One conditional request per listing, in parallel: BatchWriteItem takes no condition,
        so even a bulk create must not use it (a push landing between the bulk's read and its
        write would be overwritten). Same write units as a batch; more requests."""
        if len(writes) <= 1:
            return {x.listing_id for x, held in writes if self._write(x, held, region)}
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            results = pool.map(lambda w: self._write(w[0], w[1], region), writes)
            return {x.listing_id for (x, _), ok in zip(writes, results, strict=True) if ok}

    def _write(self, listing: Listing, expected: str | None, region: str | None) -> bool:
        """Create if absent (PutItem), else compare-and-set on the version (UpdateItem, which
        keeps the provenance set): nobody's concurrent write is ever overwritten."""
        if expected is None:
            return self._put_if(**self._create(listing, region))
        return self._update_if(**self._update(listing, expected, region))

    def _item(self, listing: Listing, region: str | None) -> Item:
        """The item of a new listing: every write path (a conditional put here, a bench's or a
        bulk load's BatchWriteItem) stores the same attributes, due dates included."""
        item: Item = {
            **_key(listing.credit_code, listing.listing_id),
            **{name: s(value) for name, value in _attributes(listing).items()},
            **{
                name: s(value)
                for name, value in due_attributes(self._dates, listing).items()
                if value is not None
            },
        }
        if region is not None:
            item["provenances"] = {"SS": [region]}
        return item

    def _create(self, listing: Listing, region: str | None) -> Any:
        return {
            "TableName": self._table,
            "Item": self._item(listing, region),
            "ConditionExpression": "attribute_not_exists(version)",
        }

    def rehome(self, listing: Listing, held: Listing) -> bool:
        return self._update_if(**self._update(listing, held.version, None, held))

    def _update(
        self, listing: Listing, expected: str, region: str | None, moved: Listing | None = None
    ) -> Any:
        """The compare-and-set of ``listing`` over version ``expected``, adding ``region`` to
        its provenances; ``moved`` (``rehome``): the version held, whose provenances this
        one's replace if they are still as read."""
        names = {"status": "#status", "domain": "#domain"}
        values: dict[str, Any] = {":expected": s(expected)}
        sets = []
        for name, value in _attributes(listing).items():
            values[f":{name}"] = s(value)
            sets.append(f"{names.get(name, name)} = :{name}")
        due_sets, removed, due_values = due_clauses(due_attributes(self._dates, listing))
        values.update(due_values)
        condition = "version = :expected"
        if moved is not None:
            sets.append("provenances = :provenances")
            values[":provenances"] = {"SS": sorted(listing.provenances)}
            as_read, read_values = provenances_as_read(moved.provenances)
            condition += f" AND {as_read}"
            values.update(read_values)
        update = "SET " + ", ".join(sets + due_sets)
        if removed:  # no longer due: out of the index
            update += " REMOVE " + ", ".join(removed)
        if region is not None:
            update += " ADD provenances :region"
            values[":region"] = {"SS": [region]}
        return {
            "TableName": self._table,
            "Key": _key(listing.credit_code, listing.listing_id),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status", "#domain": "domain"},
            "ExpressionAttributeValues": values,
        }

    def delete(self, listing: Listing) -> bool:
        return self._delete_if(
            TableName=self._table,
            Key=_key(listing.credit_code, listing.listing_id),
            ConditionExpression="version = :v",
            ExpressionAttributeValues={":v": s(listing.version)},
        )

    def pending(self, today: date, after: str | None, limit: int) -> Page:
        return self._index_page("due_on", today, after, limit)

    def late(self, today: date, after: str | None, limit: int) -> Page:
        return self._index_page("late_on", today, after, limit)

    def _index_page(self, name: str, today: date, after: str | None, limit: int) -> Page:
        """The index's keys, then the listings themselves, strongly consistent (the index may
        lag: the caller checks each listing again); those deleted meanwhile are left out."""
        before_page()  # what the last page left on the heap is freed (chalicelib.heap)
        keys, following = page_keys(self._client, self._table, name, today, after, limit)
        found = self.current(keys)
        return [found[lid] for _, lid in keys if lid in found], following

    def reschedule(self, listing: Listing, on: date | None) -> bool:
        # The same "<date>#<listing id>" every writer stores: the index's cursors read it back.
        sets, removed, values = due_clauses({"due_on": due_value(on, listing) if on else None})
        update = f"SET {sets[0]}" if sets else f"REMOVE {removed[0]}"
        return self._update_if(
            TableName=self._table,
            Key=_key(listing.credit_code, listing.listing_id),
            UpdateExpression=update,
            ConditionExpression="version = :v",
            ExpressionAttributeValues={**values, ":v": s(listing.version)},
        )

    def backfill_due(self, sealer: Sealer, after: str | None, limit: int) -> tuple[int, str | None]:
        """One page of the one-off due-date backfill (``due_backfill``): a Scan, never periodic."""
        return backfill_page(
            self._client, self._table, self._dates, listing_from_item, sealer, after, limit
        )

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        for code, lid, owner in dict.fromkeys(tags):
            self._update_if(
                TableName=self._table,
                Key=_key(code, lid),
                UpdateExpression="ADD provenances :region",
                ConditionExpression="attribute_exists(version) AND NOT contains(provenances, :r)"
                " AND origin_region = :owner",
                ExpressionAttributeValues={
                    ":region": {"SS": [region]},
                    ":r": s(region),
                    ":owner": s(owner),
                },
            )

    def subject(self, credit_code: str) -> list[Listing]:
        items = self._query_items(
            TableName=self._table,
            KeyConditionExpression="credit_code = :c",
            ExpressionAttributeValues={":c": s(credit_code)},
            ConsistentRead=True,
        )
        return [listing_from_item(item) for item in items]

    def subjects(self, credit_codes: Sequence[str]) -> dict[str, list[Listing]]:
        """One query per code, ``_READERS`` at a time: a batch check of 1,000 codes waits for
        about 1,000 / ``_READERS`` round trips, not 1,000."""
        codes = list(dict.fromkeys(credit_codes))
        if len(codes) <= 1:
            return {code: self.subject(code) for code in codes}
        with ThreadPoolExecutor(max_workers=min(_READERS, len(codes))) as pool:
            return dict(zip(codes, pool.map(self.subject, codes), strict=True))

    def scan_page(
        self, sealer: Sealer, after: str | None, limit: int
    ) -> tuple[list[Listing], str | None]:
        """Up to ``limit`` listings from ``after`` and the ``next`` page's token (``sealed_scan``):
        a one-off walk of the whole table, a page a call, in constant memory."""
        items, following = sealed_scan(self._client, self._table, sealer, after, limit)
        return [listing_from_item(x) for x in items if "doc" in x], following

    def held_by(self, region: str, domains: Sequence[str]) -> Iterator[Held]:
        """Listings in force or suspended, in ``domains``, that ``region`` published, relayed
        or owns: its subtree's shards of the source index, filtered by provenance, and its own
        code's, whoever pushed them (review 290: a county's listing its city relayed, whose
        provenance is the city's, was never held by the county's resync)."""
        # The nation's subtree is every code (prefix ""), but its shards hold only the 10xxxx
        # codes and it relays nothing: what it holds there begins with its own code. A leaf's
        # prefix is its own code: everything there is its own, whoever pushed it.
        prefix = subtree_prefix(region) or region
        for shard in range(SOURCE_SHARDS):
            at = {":shard": s(f"{region[:2]}#{shard:02d}")}
            if prefix == region:
                yield from self._held(at | {":p": s(prefix)}, _UNDER, None, domains)
                continue
            mine = at | {":p": s(prefix), ":r": s(region)}
            yield from self._held(mine, _UNDER, "contains(provenances, :r)", domains)
            own = at | {":r": s(region)}  # its own code's, pushed by a relaying ancestor
            yield from self._held(own, _OWN, "NOT contains(provenances, :r)", domains)

    def _held(
        self,
        values: dict[str, Any],
        key: str,
        provenance: str | None,
        domains: Sequence[str],
    ) -> Iterator[Held]:
        """One shard's listings under ``key``, in force or suspended, in ``domains``, their
        provenance as ``provenance`` says (any: ``None``)."""
        names = {f":d{i}": s(domain) for i, domain in enumerate(dict.fromkeys(domains))}
        conditions = ["#status IN (:active, :suspended)", f"#domain IN ({', '.join(names)})"]
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=SOURCE_INDEX,
            KeyConditionExpression=f"source_shard = :shard AND {key}",
            FilterExpression=" AND ".join([*conditions, *([provenance] if provenance else [])]),
            ExpressionAttributeNames={"#status": "status", "#domain": "domain"},
            ExpressionAttributeValues={
                **values,
                ":active": s(ListingStatus.ACTIVE.value),
                ":suspended": s(ListingStatus.SUSPENDED.value),
                **names,
            },
        )
        for page in pages:
            for item in page.get("Items", []):
                yield Held(
                    text(item, "credit_code"),
                    text(item, "listing_id"),
                    text(item, "origin_region"),
                )
