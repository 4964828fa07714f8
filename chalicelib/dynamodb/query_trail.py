"""The query trail: one item per query, filed under a keyed hash of the credit code, newest
first, expired by the table's TTL (``expires_at``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import Item, Table, n, s, text
from chalicelib.dynamodb.conflicts import transact
from gateway.recognition import TrailEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_PER_CALL = 100  # TransactWriteItems' most
_BYTES_PER_CALL = 3_500_000  # under TransactWriteItems' 4 MB, entries of many listings each


def _item(subject_key: str, entry: TrailEntry, doc: str | None = None) -> Item:
    return {
        "subject": s(subject_key),
        "entry": s(entry.entry_id),
        "expires_at": n(entry.expires_at),
        "doc": s(entry.model_dump_json() if doc is None else doc),
    }


class DynamoQueryTrail(Table):
    def record(self, subject_key: str, entry: TrailEntry) -> None:
        """Append an entry (an entry id is never written twice: the trail is append-only)."""
        self._client.put_item(
            TableName=self._table,
            Item=_item(subject_key, entry),
            ConditionExpression="attribute_not_exists(#entry)",
            ExpressionAttributeNames={"#entry": "entry"},
        )

    def record_all(self, entries: Sequence[tuple[str, TrailEntry]]) -> None:
        """Append a batch check's entries, ``_PER_CALL`` to a transaction and no more than
        ``_BYTES_PER_CALL`` of them (review 343: entries naming thousands of listings passed
        its 4 MB): each a conditional put, as one entry is (IAM checks each as a PutItem, so
        the functions that write the trail still only append to it; BatchWriteItem could also
        delete)."""
        puts: list[TransactWriteItemTypeDef] = []
        size = 0
        for key, entry in entries:
            doc = entry.model_dump_json()
            item, cost = _item(key, entry, doc), len(key) + len(doc.encode()) + 200
            if puts and (len(puts) == _PER_CALL or size + cost > _BYTES_PER_CALL):
                transact(self._client, puts)
                puts, size = [], 0
            puts.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(#entry)",
                        "ExpressionAttributeNames": {"#entry": "entry"},
                    }
                }
            )
            size += cost
        if puts:
            transact(self._client, puts)

    def page(
        self, subject_key: str, limit: int, after: str | None, now: datetime
    ) -> tuple[list[TrailEntry], str | None]:
        """Up to ``limit`` entries older than ``after`` (newest first), and where the next page
        starts (``None``: no more). An expired entry the TTL has not removed yet is skipped:
        DynamoDB deletes expired items within days, not at the second."""
        args: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "subject = :s",
            "FilterExpression": "expires_at > :now",
            "ExpressionAttributeValues": {":s": s(subject_key), ":now": n(int(now.timestamp()))},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after is not None:
            args["ExclusiveStartKey"] = {"subject": s(subject_key), "entry": s(after)}
        reply = self._client.query(**args)
        entries = [TrailEntry.model_validate_json(text(i, "doc")) for i in reply.get("Items", [])]
        last = reply.get("LastEvaluatedKey")
        return entries, text(last, "entry") if last else None
