"""The person index (``gateway.persons``): one item per (person key, listing), read by person
key, erased by listing through the ``by_listing`` index. A person is keyed by a keyed hash, never
by an ID number; each item also names its listing's key, the subject's code, which for a
person's own listing is their ID number — as the listing itself holds it, and erased with it."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.dynamodb.base import Item, Table, s, text
from gateway.persons import IndexEntry
from gateway_client.contract import PersonRole

_WRITE_BATCH = 25  # BatchWriteItem's most


def _key(person: str, listing_id: str) -> Item:
    return {"person": s(person), "listing_id": s(listing_id)}


class DynamoPersonIndex(Table):
    def apply(self, puts: Sequence[IndexEntry], deletes: Sequence[tuple[str, str]]) -> None:
        """Puts, then deletes: unconditional, so a step applied twice changes nothing."""
        self._put_all([self._item(e) for e in puts])
        for start in range(0, len(deletes), _WRITE_BATCH):
            chunk = deletes[start : start + _WRITE_BATCH]
            requests = [{"DeleteRequest": {"Key": _key(p, lid)}} for p, lid in chunk]
            pending: dict[str, object] = {self._table: requests}
            while pending:
                reply = self._client.batch_write_item(RequestItems=pending)  # type: ignore[arg-type]
                pending = dict(reply.get("UnprocessedItems") or {})

    @staticmethod
    def _item(entry: IndexEntry) -> Item:
        return {
            **_key(entry.person, entry.listing_id),
            "credit_code": s(entry.credit_code),
            "roles": {"SS": sorted(r.value for r in entry.roles)},
        }

    def entries(self, person: str) -> list[IndexEntry]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="person = :p",
            ExpressionAttributeValues={":p": s(person)},
            ConsistentRead=True,
        )
        return [
            IndexEntry(
                person=person,
                listing_id=text(item, "listing_id"),
                credit_code=text(item, "credit_code"),
                roles=tuple(PersonRole(r) for r in item["roles"]["SS"]),
            )
            for page in pages
            for item in page.get("Items", [])
        ]

    def erase(self, listing_id: str) -> int:
        """Delete every entry of a purged listing (fan-out deletes them too, from the stream's
        REMOVE; whichever runs second finds nothing)."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName="by_listing",
            KeyConditionExpression="listing_id = :l",
            ExpressionAttributeValues={":l": s(listing_id)},
            ProjectionExpression="person",
        )
        people = [text(item, "person") for page in pages for item in page.get("Items", [])]
        self.apply((), [(p, listing_id) for p in people])
        return len(people)
