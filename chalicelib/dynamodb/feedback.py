"""Feedback reports, one per delivery, readable by listing for the source region, erased with
the listing at the end of retention.

Beside them, per listing and reporting region, one item of the cases it reported (``cases#``):
each (measure, day) with the delivery reported against. A report is kept in one transaction
with that item, conditioned on the item's version, so two reports sent at once cannot both
claim one execution (review 83 F2: each read the other's absence, and both counted). The item
names the listing, so the listing's erasure deletes it with the reports; it holds no personal
data (ids, measure ids, days)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, n, s, text
from chalicelib.dynamodb.conflicts import lost_turn, transact
from gateway.recognition import Case, Feedback, RegionCases, cases_of

_CASES = "cases#"


class CasesMoved(Exception):
    """Another report of the region about the listing was kept since its cases were read."""


class DynamoFeedback(Table):
    def cases(self, listing_id: str, region: str) -> RegionCases:
        """What ``region`` reported about the listing, as its cases item holds it (read
        consistently: the version a report is then kept under)."""
        key = {"delivery_id": s(_cases_key(listing_id, region))}
        item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        found = item.get("Item")
        if found is None:
            return RegionCases()
        claimed: dict[str, str] = json.loads(text(found, "claims"))
        return RegionCases(
            claimed={_case(key): by for key, by in claimed.items()},
            version=int(found["version"]["N"]),
        )

    def put(self, feedback: Feedback, cases: RegionCases) -> Feedback | None:
        """Kept (a later report for the same delivery replaces it) with the region's cases, if
        they are still ``cases``: else ``CasesMoved``, nothing written. The one replaced, whose
        counts the statistics take back."""
        key = {"delivery_id": s(feedback.delivery_id)}
        old = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        replaced = old.get("Item")
        claimed = cases_of(feedback, cases)
        cases_key = _cases_key(feedback.listing_id, feedback.subscriber_region)
        report: Any = {
            "delivery_id": s(feedback.delivery_id),
            "listing_id": s(feedback.listing_id),
            "submitted_at": s(feedback.submitted_at.isoformat()),
            "doc": s(feedback.model_dump_json()),
        }
        held: Any = {
            "delivery_id": s(cases_key),
            "listing_id": s(feedback.listing_id),
            "submitted_at": s(feedback.submitted_at.isoformat()),  # in by_listing: erased too
            "claims": s(json.dumps({f"{m}|{d}": i for (m, d), i in claimed.items()})),
            "version": n(cases.version + 1),
        }
        try:
            transact(
                self._client,
                [
                    {"Put": {"TableName": self._table, "Item": report}},
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": held,
                            # none read (version 0) or the one read: no report came between
                            "ConditionExpression": "attribute_not_exists(delivery_id) "
                            "OR version = :v",
                            "ExpressionAttributeValues": {":v": n(cases.version)},
                        }
                    },
                ],
            )
        except ClientError as error:
            if lost_turn(error, "ConditionalCheckFailed"):
                raise CasesMoved from error
            raise
        return Feedback.model_validate_json(text(replaced, "doc")) if replaced else None

    def take_back(self, feedback: Feedback) -> None:
        """A report taken back, with its region's cases about the listing: the listing was
        purged while it was kept (by key: the purge's query of the index may not see them)."""
        cases_key = _cases_key(feedback.listing_id, feedback.subscriber_region)
        for key in (feedback.delivery_id, cases_key):
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
        return [
            Feedback.model_validate_json(text(i, "doc"))
            for i in self._about(listing_id)
            if not text(i, "delivery_id").startswith(_CASES)
        ]

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


def _case(key: str) -> Case:
    measure_id, day = key.split("|", 1)
    return measure_id, date.fromisoformat(day)


def _cases_key(listing_id: str, region: str) -> str:
    return f"{_CASES}{listing_id}#{region}"
