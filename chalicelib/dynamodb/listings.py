"""Listings keyed by (credit code, listing id); a version condition rules out regressions."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, is_conditional_failure, s, text
from gateway.listing import Listing
from gateway.ports import Write

_BATCH_GET = 100
_WRITERS = 8


def listing_from_item(item: dict[str, Any]) -> Listing:
    """Rebuild a listing from a stored item or a stream image (both in attribute-value form)."""
    provenances = sorted(item.get("provenances", {}).get("SS", []))
    return Listing.model_validate({**json.loads(text(item, "doc")), "provenances": provenances})


def _key(credit_code: str, listing_id: str) -> Item:
    return {"credit_code": s(credit_code), "listing_id": s(listing_id)}


class DynamoListings(Table):
    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        unique = list(dict.fromkeys(keys))
        found: dict[str, Listing] = {}
        for start in range(0, len(unique), _BATCH_GET):
            pending: dict[str, Any] = {
                self._table: {
                    "Keys": [_key(code, lid) for code, lid in unique[start : start + _BATCH_GET]],
                    "ConsistentRead": True,
                }
            }
            while pending:
                reply = self._client.batch_get_item(RequestItems=pending)
                for item in reply.get("Responses", {}).get(self._table, []):
                    found[text(item, "listing_id")] = listing_from_item(item)
                pending = dict(reply.get("UnprocessedKeys") or {})
        return found

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        if len(writes) <= 1:
            return {x.listing_id for x, held in writes if self._write(x, held, region)}
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            results = pool.map(lambda w: self._write(w[0], w[1], region), writes)
            return {x.listing_id for (x, _), ok in zip(writes, results, strict=True) if ok}

    def _write(self, listing: Listing, expected: str | None, region: str | None) -> bool:
        """Compare-and-set on the version: nobody's concurrent write is ever overwritten."""
        values: dict[str, Any] = {
            ":v": s(listing.version),
            ":doc": s(listing.model_dump_json(exclude={"provenances"})),
            ":status": s(listing.status.value),
            ":kind": s(listing.kind.value),
            ":domain": s(listing.domain),
            ":origin": s(listing.origin_region),
        }
        update = (
            "SET version = :v, doc = :doc, #status = :status, kind = :kind, "
            "#domain = :domain, origin_region = :origin"
        )
        if region is not None:
            update += " ADD provenances :region"
            values[":region"] = {"SS": [region]}
        if expected is None:
            condition = "attribute_not_exists(version)"
        else:
            condition = "version = :expected"
            values[":expected"] = s(expected)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(listing.credit_code, listing.listing_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status", "#domain": "domain"},
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def delete(self, listing: Listing) -> bool:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=_key(listing.credit_code, listing.listing_id),
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": s(listing.version)},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def add_provenance(self, keys: Sequence[tuple[str, str]], region: str) -> None:
        for code, lid in dict.fromkeys(keys):
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(code, lid),
                    UpdateExpression="ADD provenances :region",
                    ConditionExpression="attribute_exists(version) "
                    "AND NOT contains(provenances, :r)",
                    ExpressionAttributeValues={":region": {"SS": [region]}, ":r": s(region)},
                )
            except ClientError as error:
                if not is_conditional_failure(error):
                    raise

    def subject(self, credit_code: str) -> list[Listing]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="credit_code = :c",
            ExpressionAttributeValues={":c": s(credit_code)},
            ConsistentRead=True,
        )
        return [listing_from_item(item) for page in pages for item in page.get("Items", [])]

    def by_subject(self) -> Iterator[list[Listing]]:
        """Every listing, one subject at a time (a full scan: for re-evaluations, not hot paths)."""
        grouped: dict[str, list[Listing]] = defaultdict(list)
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(TableName=self._table, ConsistentRead=True):
            for item in page.get("Items", []):
                grouped[text(item, "credit_code")].append(listing_from_item(item))
        yield from grouped.values()
