"""Pages of the listings in force from one agreement source, over the source index.

A re-evaluation job walks these pages and stores where it stands between them. DynamoDB resumes
a query from the last key it returned, and that key holds the listing's credit code, which for
a natural person is an ID number; the page token therefore carries that key encrypted
(AES-GCM under a key derived from the listing-id secret), so the job store keeps no personal
data in a form anyone can read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.dynamodb.base import s, text
from chalicelib.dynamodb.listings import SOURCE_INDEX, SOURCE_SHARDS, DynamoListings
from chalicelib.dynamodb.sealed_tokens import Sealer
from chalicelib.heap import before_page
from gateway.recognition import SourceScope
from gateway_client.contract import NATION, Listing, ListingStatus, subtree_prefix

_PAGE = 100  # index items read per query
_QUERIES = 32  # at most, per page: a nation-wide scope's empty partitions go quickly
_LABEL = b"credit-gateway reevaluation page token v1"
Key = tuple[str, str]


def partitions(scope: SourceScope) -> list[tuple[str, str | None, bool]]:
    """(index partition, origin code or prefix, exact) for every shard the scope can reach:
    its province's 16, or, for the nation's subtree, every province's."""
    if scope.region == NATION and scope.subtree:
        provinces = [f"{p:02d}" for p in range(10, 100)]
        return [(f"{p}#{i:02d}", None, False) for p in provinces for i in range(SOURCE_SHARDS)]
    origin = subtree_prefix(scope.region) if scope.subtree else scope.region
    province = scope.region[:2]
    return [(f"{province}#{i:02d}", origin, not scope.subtree) for i in range(SOURCE_SHARDS)]


class SourcePages:
    def __init__(self, listings: DynamoListings, client: Any, table: str, key: Callable[[], bytes]):
        self._listings = listings
        self._client = client
        self._table = table
        self._sealer = Sealer(key, _LABEL)

    def subjects(self, credit_codes: Sequence[str]) -> dict[str, list[Listing]]:
        return self._listings.subjects(credit_codes)

    def active_in(self, scope: SourceScope, page: str | None) -> tuple[list[Key], str | None]:
        before_page()  # what the last page left on the heap is freed (chalicelib.heap)
        where = partitions(scope)
        at, start = self._open(page) if page else (0, None)
        keys: list[Key] = []
        for _ in range(_QUERIES):
            shard, origin, exact = where[at]
            reply = self._client.query(**self._query(shard, origin, exact, start))
            keys += [(text(x, "credit_code"), text(x, "listing_id")) for x in reply["Items"]]
            start = reply.get("LastEvaluatedKey")
            if start is None:
                at += 1
                if at == len(where):
                    return keys, None
            if keys:
                break
        return keys, self._seal(at, start)

    def _query(self, shard: str, origin: str | None, exact: bool, start: Any) -> dict[str, Any]:
        values = {":shard": s(shard), ":active": s(ListingStatus.ACTIVE.value)}
        condition = "source_shard = :shard"
        if origin:
            values[":origin"] = s(origin)
            condition += (
                " AND origin_region = :origin"
                if exact
                else " AND begins_with(origin_region, :origin)"
            )
        return {
            "TableName": self._table,
            "IndexName": SOURCE_INDEX,
            "KeyConditionExpression": condition,
            "FilterExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
            "Limit": _PAGE,
            **({"ExclusiveStartKey": start} if start else {}),
        }

    def _seal(self, at: int, start: Any) -> str:
        return self._sealer.seal({"at": at, "start": start})

    def _open(self, page: str) -> tuple[int, Any]:
        opened = self._sealer.open(page)
        return int(opened["at"]), opened["start"]
