"""The exchange log in one table: a head item, one item per entry, one marker per change.

Appends are transactions conditioned on the head's sequence, so concurrent fan-outs (one per
stream shard) take turns and the chain never forks; the per-change marker makes a repeated
stream batch find its changes already logged instead of logging them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, n, s, text
from gateway.change import Change
from gateway.exchange_log import GENESIS, LogEntry, chain

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_HEAD = "head"
_PER_TRANSACTION = 45  # two items per change plus the head: under DynamoDB's 100
_ATTEMPTS = 20


def _entry_key(sequence: int) -> str:
    return f"entry#{sequence:012d}"


class LogContention(RuntimeError):
    """The head kept moving; the caller's batch is retried by Lambda."""


class DynamoExchangeLog(Table):
    def head(self) -> tuple[int, str]:
        item = self._get({"pk": s(_HEAD)})
        return (int(item["sequence"]["N"]), text(item, "hash")) if item else (0, GENESIS)

    def append(self, changes: Sequence[Change]) -> dict[str, int]:
        """Log the changes not logged yet, in order; every change's sequence number."""
        known = self._logged([c.change_id for c in changes])
        pending = [
            c for c in dict((c.change_id, c) for c in changes).values() if c.change_id not in known
        ]
        for _ in range(_ATTEMPTS):
            if not pending:
                return known
            chunk = pending[:_PER_TRANSACTION]
            sequence, head_hash = self.head()
            entries = chain(head_hash, sequence + 1, chunk)
            try:
                self._client.transact_write_items(
                    TransactItems=self._items(sequence, entries, chunk)
                )
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                known |= self._logged([c.change_id for c in chunk])  # someone logged some of them
                pending = [c for c in pending if c.change_id not in known]
                continue
            known |= {entry.change_id: entry.sequence for entry in entries}
            pending = pending[len(chunk) :]
        if pending:
            raise LogContention(f"{len(pending)} changes not logged after {_ATTEMPTS} attempts")
        return known

    def _items(
        self, sequence: int, entries: Sequence[LogEntry], changes: Sequence[Change]
    ) -> list[TransactWriteItemTypeDef]:
        last = entries[-1]
        head: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": s(_HEAD)},
                "UpdateExpression": "SET #seq = :new, #hash = :hash",
                "ConditionExpression": "attribute_not_exists(pk) AND :old = :zero OR #seq = :old",
                "ExpressionAttributeNames": {"#seq": "sequence", "#hash": "hash"},
                "ExpressionAttributeValues": {
                    ":new": n(last.sequence),
                    ":hash": s(last.hash),
                    ":old": n(sequence),
                    ":zero": n(0),
                },
            }
        }
        items = [head]
        for entry, change in zip(entries, changes, strict=True):
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            "pk": s(_entry_key(entry.sequence)),
                            "doc": s(entry.model_dump_json()),
                            "change": s(change.model_dump_json()),
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            "pk": s(f"change#{change.change_id}"),
                            "sequence": n(entry.sequence),
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        return items

    def _logged(self, change_ids: Sequence[str]) -> dict[str, int]:
        keys = [f"change#{cid}" for cid in dict.fromkeys(change_ids)]
        return {
            key.removeprefix("change#"): int(item["sequence"]["N"])
            for key, item in self._batch(keys).items()
        }

    def _batch(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {
                self._table: {
                    "Keys": [{"pk": s(k)} for k in keys[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            while pending:
                reply = self._client.batch_get_item(RequestItems=pending)
                for item in reply.get("Responses", {}).get(self._table, []):
                    found[text(item, "pk")] = dict(item)
                pending = dict(reply.get("UnprocessedKeys") or {})
        return found

    def entries(self, start: int, limit: int) -> list[tuple[LogEntry, Change]]:
        """Entries ``start`` … ``start + limit - 1`` that exist, in order, with their changes."""
        keys = [_entry_key(sequence) for sequence in range(max(start, 1), max(start, 1) + limit)]
        found = self._batch(keys)
        return [
            (
                LogEntry.model_validate_json(text(item, "doc")),
                Change.model_validate_json(text(item, "change")),
            )
            for key in keys
            if (item := found.get(key)) is not None
        ]

    def allocate(self, subscription_id: str, count: int) -> int:
        """Reserve ``count`` per-subscription sequence numbers; the first of them."""
        reply = self._client.update_item(
            TableName=self._table,
            Key={"pk": s(f"subscription#{subscription_id}")},
            UpdateExpression="ADD #next :count",
            ExpressionAttributeNames={"#next": "next"},
            ExpressionAttributeValues={":count": n(count)},
            ReturnValues="UPDATED_NEW",
        )
        return int(reply["Attributes"]["next"]["N"]) - count + 1
