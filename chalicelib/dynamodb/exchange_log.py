"""The exchange log in one table: a head item (the size), per entry an entry item (its leaf
data) and a body item (the change), one marker per change, per listing an index of its entries,
and the publisher's state (``chalicelib.log_publishing``: how far tiles and checkpoints go, and
the tree's right edge there).

Appends are transactions conditioned on the head's size, so concurrent fan-outs (one per stream
shard) take turns, backing off at random, and numbers are never given twice; the per-change
marker makes a repeated stream batch (or half of one, split by Lambda) find its changes already
logged instead of logging them twice. Bodies live apart from the entries so that retention can
erase them (``erase``) while every leaf, tile and checkpoint still verifies.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, n, s, text
from gateway.delivery import Erased
from gateway_client.contract import Change, ChangeType, LogEntry, log_entries
from gateway_client.tlog import Frontier

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_HEAD = "head"
_PUBLISHED = "published"
_PER_TRANSACTION = 24  # up to four items per change plus the head: under DynamoDB's 100
_ATTEMPTS = 20
_BACKOFF = 0.02  # seconds; doubled per lost turn, up to 32 times, each wait drawn at random


def _entry_key(sequence: int) -> str:
    return f"entry#{sequence:012d}"


def _body_key(sequence: int) -> str:
    return f"body#{sequence:012d}"


def _index_key(listing_id: str) -> str:
    return f"listing#{listing_id}"


RECENT_CHECKPOINTS = 256
"""How many of the latest checkpoints' sizes the publisher's state keeps: what
``GET /v1/log/checkpoints`` lists, without listing the bucket."""


@dataclass(frozen=True)
class Published:
    frontier: Frontier  # the tree as far as it is published (its size, its right edge)
    recent: tuple[int, ...]  # the latest checkpoints' sizes, oldest first

    @property
    def size(self) -> int:
        return self.frontier.size


class LogContention(RuntimeError):
    """The head kept moving; the caller's batch is retried by Lambda."""


class DynamoExchangeLog(Table):
    def size(self) -> int:
        item = self._get({"pk": s(_HEAD)})
        return int(item["sequence"]["N"]) if item else 0

    def published_size(self) -> int:
        return self.published_state().size

    def published_state(self) -> Published:
        """How far tiles and checkpoints are published, the tree's right edge there, and the
        sizes of the latest checkpoints."""
        item = self._get({"pk": s(_PUBLISHED)})
        if item is None:
            return Published(Frontier.empty(), ())
        recent = tuple(int(x["N"]) for x in item.get("recent", {}).get("L", []))
        return Published(Frontier.from_bytes(item["frontier"]["B"]), recent)

    def advance_published(self, before: Published, frontier: Frontier) -> bool:
        """Record publication up to ``frontier.size`` unless another publisher moved it first."""
        recent = [*before.recent, frontier.size][-RECENT_CHECKPOINTS:]
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": s(_PUBLISHED),
                    "size": n(frontier.size),
                    "frontier": {"B": frontier.to_bytes()},
                    "recent": {"L": [n(x) for x in recent]},
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) AND :before = :zero OR #size = :before"
                ),
                ExpressionAttributeNames={"#size": "size"},
                ExpressionAttributeValues={":before": n(before.size), ":zero": n(0)},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def append(self, changes: Sequence[Change]) -> dict[str, int]:
        """Log the changes not logged yet, in order; every change's sequence number."""
        known = self._logged([c.change_id for c in changes])
        pending = [
            c for c in dict((c.change_id, c) for c in changes).values() if c.change_id not in known
        ]
        for attempt in range(_ATTEMPTS):
            if not pending:
                return known
            chunk = pending[:_PER_TRANSACTION]
            sequence = self.size()
            entries = log_entries(sequence + 1, chunk)
            try:
                self._client.transact_write_items(
                    TransactItems=self._items(sequence, entries, chunk)
                )
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                known |= self._logged([c.change_id for c in chunk])  # someone logged some of them
                pending = [c for c in pending if c.change_id not in known]
                time.sleep(random.uniform(0, _BACKOFF * 2 ** min(attempt, 5)))  # noqa: S311
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
                "UpdateExpression": "SET #seq = :new",
                "ConditionExpression": "attribute_not_exists(pk) AND :old = :zero OR #seq = :old",
                "ExpressionAttributeNames": {"#seq": "sequence"},
                "ExpressionAttributeValues": {
                    ":new": n(last.sequence),
                    ":old": n(sequence),
                    ":zero": n(0),
                },
            }
        }
        items = [head]
        by_listing: dict[str, list[int]] = {}
        for entry, change in zip(entries, changes, strict=True):
            if change.type is not ChangeType.PURGED:  # the tombstone outlives the listing
                by_listing.setdefault(change.listing.listing_id, []).append(entry.sequence)
            items += [
                self._new({"pk": s(_entry_key(entry.sequence)), "doc": s(entry.model_dump_json())}),
                self._new(
                    {"pk": s(_body_key(entry.sequence)), "change": s(change.model_dump_json())}
                ),
                self._new({"pk": s(f"change#{change.change_id}"), "sequence": n(entry.sequence)}),
            ]
        for listing_id, sequences in by_listing.items():  # one update per item per transaction
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": s(_index_key(listing_id))},
                        "UpdateExpression": "ADD sequences :new",
                        "ExpressionAttributeValues": {":new": {"NS": [str(x) for x in sequences]}},
                    }
                }
            )
        return items

    def _new(self, item: dict[str, Any]) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _logged(self, change_ids: Sequence[str]) -> dict[str, int]:
        keys = [f"change#{cid}" for cid in dict.fromkeys(change_ids)]
        return {
            key.removeprefix("change#"): int(item["sequence"]["N"])
            for key, item in self._batch(keys).items()
        }

    def _batch(
        self, keys: Sequence[str], projection: str | None = None
    ) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                "Keys": [{"pk": s(k)} for k in keys[start : start + 100]],
                "ConsistentRead": True,
            }
            if projection is not None:
                request["ProjectionExpression"] = projection
            pending: dict[str, Any] = {self._table: request}
            while pending:
                reply = self._client.batch_get_item(RequestItems=pending)
                for item in reply.get("Responses", {}).get(self._table, []):
                    found[text(item, "pk")] = dict(item)
                pending = dict(reply.get("UnprocessedKeys") or {})
        return found

    def entries(self, start: int, limit: int) -> list[tuple[LogEntry, Change | Erased]]:
        """Entries ``start`` … ``start + limit - 1`` that exist, in order, with their changes
        (or, where retention erased one, the tombstone that replaced it)."""
        window = range(max(start, 1), max(start, 1) + limit)
        found = self._batch([_entry_key(x) for x in window] + [_body_key(x) for x in window])
        return [
            (LogEntry.model_validate_json(text(item, "doc")), _body(item, found.get(_body_key(x))))
            for x in window
            if (item := found.get(_entry_key(x))) is not None
        ]

    def published(self, start: int, limit: int) -> tuple[list[LogEntry], list[int]]:
        """What ``GET /v1/log`` shows: the entries, and which of them had their body erased
        (bodies themselves are not read)."""
        window = range(max(start, 1), max(start, 1) + limit)
        entries = self._batch([_entry_key(x) for x in window], "pk, doc")
        stubs = self._batch([_body_key(x) for x in window], "pk, erased_by")
        return (
            [LogEntry.model_validate_json(text(entries[k], "doc")) for k in sorted(entries)],
            sorted(x for x in window if "erased_by" in stubs.get(_body_key(x), {})),
        )

    def sequences_of(self, listing_id: str) -> list[int]:
        """Where the listing's changes are logged (its index; empty once erased)."""
        index = self._get({"pk": s(_index_key(listing_id))})
        return sorted(int(x) for x in index["sequences"]["NS"]) if index else []

    def erase(self, listing_id: str, tombstone_id: str) -> int:
        """Replace the body of every logged change of ``listing_id`` by a stub naming its
        purge's change id; entries, digests and the head stay, so the chain verifies.

        Idempotent, and the listing's index goes last: a purge retried after a failure
        finishes the erasure. Returns how many bodies were erased.
        """
        stubs = self.sequences_of(listing_id)
        self._put_all([{"pk": s(_body_key(x)), "erased_by": s(tombstone_id)} for x in stubs])
        if stubs:
            self._client.delete_item(TableName=self._table, Key={"pk": s(_index_key(listing_id))})
        return len(stubs)

    def sequence_of(self, change_id: str) -> int | None:
        """Where ``change_id`` is logged, if it is."""
        return self._logged([change_id]).get(change_id)

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


def _body(entry: dict[str, Any], body: dict[str, Any] | None) -> Change | Erased:
    """The entry's change: its body item, or the stub erasure left; entries written before
    bodies had items of their own keep the change on the entry item."""
    if body is not None and "erased_by" in body:
        return Erased(tombstone=text(body, "erased_by"))
    return Change.model_validate_json(text(body if body is not None else entry, "change"))
