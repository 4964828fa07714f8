"""Feedback reports, one per delivery, readable by listing for the source region, erased with
the listing at the end of retention.

Beside them, per listing and reporting region, the cases it reported — each (measure, day) with
the delivery reported against — in ``_SHARDS`` items by a hash of the case (``cases#``). A
report is kept in one transaction with the items its cases (and those of the report it
replaces) fall in, each conditioned on its version, and with the report conditioned on the one
it replaces: so two reports sent at once cannot both claim one execution (review 83 F2: each
read the other's absence, and both counted). Sharded so that no item outgrows DynamoDB's 400 KB
(review 85 F1: one item per listing and region did, after about 5,000 cases) and a transaction
stays far under its 100 items. The items name the listing, so its erasure deletes them with the
reports; they hold no personal data (ids, measure ids, days)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, n, s, text
from chalicelib.dynamodb.conflicts import lost_turn, transact
from gateway.recognition import Case, Feedback, ReportTooLarge, cases_in

_CASES = "cases#"
_SHARDS = 16
# A shard's cases as JSON: a report of 100 cases touches every shard, and a transaction may
# carry 4 MB in all (review 88 F2) — 16 × 200 KB and a report's 384 KB stay under it.
_SHARD_BYTES = 200 * 1024


class CasesMoved(Exception):
    """A report of the region about the listing was kept since its cases were read."""


@dataclass(frozen=True)
class HeldCases:
    """What a report is kept against: the report it replaces (as stored) and the shards its
    cases and the replaced one's fall in, each with its version (0: none yet)."""

    replaced: Feedback | None
    replaced_at: str | None
    shards: dict[int, tuple[int, dict[Case, str]]] = field(default_factory=dict)

    @property
    def claimed(self) -> dict[Case, str]:
        return {case: by for _, claims in self.shards.values() for case, by in claims.items()}


class DynamoFeedback(Table):
    def cases(self, feedback: Feedback) -> HeldCases:
        """The region's cases ``feedback`` would change, and the report it would replace, read
        consistently: what ``put`` keeps it against."""
        old = self._get({"delivery_id": s(feedback.delivery_id)})
        replaced = Feedback.model_validate_json(text(old, "doc")) if old else None
        touched = {_shard(case) for case in {**cases_in(feedback), **cases_in(replaced)}}
        keys = {_cases_key(feedback, shard): shard for shard in sorted(touched)}
        items = self._batch_get(
            {"Keys": [{"delivery_id": s(key)} for key in keys], "ConsistentRead": True}
        )
        shards: dict[int, tuple[int, dict[Case, str]]] = dict.fromkeys(touched, (0, {}))
        for item in items:
            claims: dict[str, str] = json.loads(text(item, "claims"))
            shard = keys[text(item, "delivery_id")]
            shards[shard] = (int(item["version"]["N"]), {_case(k): v for k, v in claims.items()})
        return HeldCases(replaced, text(old, "submitted_at") if old else None, shards)

    def put(self, feedback: Feedback, held: HeldCases) -> Feedback | None:
        """Kept (a later report for the same delivery replaces it) with the region's cases, if
        neither changed since ``held`` was read: else ``CasesMoved``, nothing written. The one
        replaced, whose counts the statistics take back."""
        mine = cases_in(feedback)
        report: Any = {
            "delivery_id": s(feedback.delivery_id),
            "listing_id": s(feedback.listing_id),
            "submitted_at": s(feedback.submitted_at.isoformat()),
            "doc": s(feedback.model_dump_json()),
        }
        writes: list[Any] = [
            _put_if(self._table, report, "submitted_at", s(held.replaced_at or ""))
        ]
        for shard, (version, claims) in sorted(held.shards.items()):
            kept = {c: by for c, by in claims.items() if by != feedback.delivery_id}
            kept |= {c: by for c, by in mine.items() if _shard(c) == shard}
            doc = json.dumps({f"{m}|{d.isoformat()}": by for (m, d), by in sorted(kept.items())})
            if len(doc) > _SHARD_BYTES:
                raise ReportTooLarge(
                    "the region's cases about this listing fill what the gateway keeps for "
                    "one listing and region (some 40,000): nothing was written; ask the "
                    "operator",
                    path="measures",
                )
            item = {
                "delivery_id": s(_cases_key(feedback, shard)),
                "listing_id": s(feedback.listing_id),
                "submitted_at": s(feedback.submitted_at.isoformat()),  # in by_listing: erased
                "claims": s(doc),
                "version": n(version + 1),
            }
            writes.append(_put_if(self._table, item, "version", n(version)))
        try:
            transact(self._client, writes)
        except ClientError as error:
            if lost_turn(error, "ConditionalCheckFailed"):
                raise CasesMoved from error
            raise
        return held.replaced

    def take_back(self, feedback: Feedback) -> None:
        """A report taken back, with its region's cases about the listing: the listing was
        purged while it was kept (by key: the purge's query of the index may not see them)."""
        shards = (_cases_key(feedback, shard) for shard in range(_SHARDS))
        for key in (feedback.delivery_id, *shards):
            self._client.delete_item(TableName=self._table, Key={"delivery_id": s(key)})

    def _about(self, listing_id: str, **projection: str) -> Iterator[Item]:
        """The reports about one listing, through the by_listing index."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName="by_listing",
            KeyConditionExpression="listing_id = :l",
            ExpressionAttributeValues={":l": s(listing_id)},
            **projection,  # type: ignore[arg-type]
        )
        for page in pages:
            yield from page.get("Items", [])

    def for_listing(self, listing_id: str) -> list[Feedback]:
        return _reports(self._about(listing_id))

    def page(
        self, listing_id: str, after: dict[str, Any] | None, limit: int
    ) -> tuple[list[Feedback], dict[str, Any] | None]:
        """One page of the reports about a listing (at most ``limit`` items of the index read:
        a report holds up to 384 KB, a reply at most 6 MB), and the key the next starts after."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "by_listing",
            "KeyConditionExpression": "listing_id = :l",
            "ExpressionAttributeValues": {":l": s(listing_id)},
            "Limit": limit,
        }
        if after is not None:
            request["ExclusiveStartKey"] = after
        reply = self._client.query(**request)
        return _reports(reply.get("Items", [])), reply.get("LastEvaluatedKey")

    def erase(self, listing_id: str) -> int:
        """Delete every report about a purged listing (its measures and notes are about the
        person), and the regions' cases about it; how many reports there were."""
        ids = [
            text(i, "delivery_id")
            for i in self._about(listing_id, ProjectionExpression="delivery_id")
        ]
        for delivery_id in ids:
            self._client.delete_item(TableName=self._table, Key={"delivery_id": s(delivery_id)})
        return sum(1 for i in ids if not i.startswith(_CASES))


def _reports(items: Iterable[Item]) -> list[Feedback]:
    """The reports among a listing's items (not the regions' cases about it)."""
    return [
        Feedback.model_validate_json(text(i, "doc"))
        for i in items
        if not text(i, "delivery_id").startswith(_CASES)
    ]


def _put_if(table: str, item: Any, attribute: str, was: Any) -> Any:
    """A put in the transaction: the item absent, or its ``attribute`` still ``was``."""
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": f"attribute_not_exists(delivery_id) OR {attribute} = :was",
            "ExpressionAttributeValues": {":was": was},
        }
    }


def _shard(case: Case) -> int:
    measure_id, day = case
    return hashlib.sha256(f"{measure_id}|{day.isoformat()}".encode()).digest()[0] % _SHARDS


def _case(key: str) -> Case:
    measure_id, day = key.split("|", 1)
    return measure_id, date.fromisoformat(day)


def _cases_key(feedback: Feedback, shard: int) -> str:
    return f"{_CASES}{feedback.listing_id}#{feedback.subscriber_region}#{shard:02d}"
