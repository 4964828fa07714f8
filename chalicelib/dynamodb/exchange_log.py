"""The exchange log in one table and the archive bucket: a head item (the size), per appended
chunk one S3 object and one small item (``chalicelib.dynamodb.log_chunks``), per listing an
index of its logged changes, and the publisher's state (``chalicelib.log_publishing``: how far
tiles and checkpoints go, and the tree's right edge there).

An append is a transaction conditioned on the head's size, so concurrent fan-outs (one per
stream lane) take turns, backing off at random, and numbers are never given twice nor skipped.
In the same transaction each listing's index item (``listing#<id>``) gets one attribute per
change (its change id, holding its sequence), conditioned on that attribute being absent: the
index is at once the exactly-once guard (a repeated stream batch, or any part of one split by
Lambda or re-driven by the operator, finds its changes there and logs nothing again) and
erasure's map from a listing to its entries. Its cost is the floor of this design: one item per
distinct listing of a chunk, 2 write units in a transaction (``bench/README.md``).

Erasure (``erase``) marks the index first, then removes each entry's body key from its chunk:
every leaf, tile and checkpoint still verifies, no body of the listing can be decrypted, and a
change of the listing logged later (a late retry) is logged without a body.

Logs written before chunks keep their per-entry items (``entry#``, ``body#``, ``change#``,
``listing#`` with a ``sequences`` set); they are still read, deduplicated against and erased.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, n, s, text
from chalicelib.dynamodb.log_chunks import chunk_key, seal
from chalicelib.dynamodb.log_reading import Read, body_key, chunks_holding, read_window
from chalicelib.dynamodb.log_transaction import HEAD, actions, index_key, take
from chalicelib.s3_archive import S3Archive
from gateway.delivery import Erased
from gateway.statistics import Key, total
from gateway_client.contract import Change, ChangeType, LogEntry, log_entries
from gateway_client.tlog import Frontier

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_PUBLISHED = "published"
_ATTEMPTS = 20
_BACKOFF = 0.02  # seconds; doubled per lost turn, up to 32 times, each wait drawn at random
_BINARY = "application/octet-stream"


Counters = Callable[[Mapping[Key, int]], "list[TransactWriteItemTypeDef]"]
"""The statistics counters' updates adding summed deltas, for the log's own transaction."""


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
    def __init__(self, client: DynamoDBClient, table_name: str, archive: S3Archive) -> None:
        super().__init__(client, table_name)
        self._archive = archive  # the chunks' objects

    def size(self) -> int:
        item = self._get({"pk": s(HEAD)})
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
        return self._append(changes, {}, lambda _: [])[0]

    def append_counted(
        self,
        changes: Sequence[Change],
        tallies: Mapping[str, Mapping[Key, int]],
        counters: Counters,
    ) -> set[str]:
        """``append``, each change's statistics delta (by change id) added to the counters in
        the transaction that logs it: exactly once, guarded by the change's own index entry.
        The ids whose deltas are settled: counted now, or with their change by an earlier
        attempt (not those logged before chunks: their deltas had markers of their own)."""
        return self._append(changes, tallies, counters)[1]

    def _append(
        self,
        changes: Sequence[Change],
        tallies: Mapping[str, Mapping[Key, int]],
        counters: Counters,
    ) -> tuple[dict[str, int], set[str]]:
        unique = list(dict((c.change_id, c) for c in changes).values())
        indexes, indexed, known = self._indexes(unique)
        settled = set(indexed)
        pending = [c for c in unique if c.change_id not in known]
        for attempt in range(_ATTEMPTS):
            if not pending:
                return known, settled
            chunk = take(pending, tallies)
            sequence = self.size()
            entries = log_entries(sequence + 1, chunk)
            erased = {
                i: purge
                for i, c in enumerate(chunk)
                if c.type is not ChangeType.PURGED
                and (purge := indexes.get(c.listing.listing_id)) is not None
            }
            sealed = seal(entries, chunk, set(erased))
            self._archive.put(sealed.object_key, sealed.body, {"kind": "log-chunk"}, _BINARY)
            counted = counters(total(tallies[c.change_id] for c in chunk if c.change_id in tallies))
            items = actions(self._table, sequence, chunk, sealed, erased, indexes)
            try:
                self._client.transact_write_items(TransactItems=[*items, *counted])
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                # someone logged some of them, or erased one of their listings
                fresh, now_indexed, logged = self._indexes(pending)
                indexes |= fresh
                settled |= set(now_indexed)
                known |= logged
                pending = [c for c in pending if c.change_id not in known]
                time.sleep(random.uniform(0, _BACKOFF * 2 ** min(attempt, 5)))  # noqa: S311
                continue
            known |= {entry.change_id: entry.sequence for entry in entries}
            settled |= {entry.change_id for entry in entries}
            pending = pending[len(chunk) :]
        if pending:
            raise LogContention(f"{len(pending)} changes not logged after {_ATTEMPTS} attempts")
        return known, settled

    def _indexes(
        self, changes: Sequence[Change]
    ) -> tuple[dict[str, str | None], dict[str, int], dict[str, int]]:
        """Each listing's erasure (the purge's id, or ``None``); which of ``changes`` its index
        holds; and which are logged at all, at what sequence (in an index, or by the marker
        of an entry logged before chunks)."""
        listing_ids = list(dict.fromkeys(c.listing.listing_id for c in changes))
        found = self._batch([index_key(x) for x in listing_ids])
        indexes: dict[str, str | None] = {}
        indexed: dict[str, int] = {}
        for listing_id in listing_ids:
            item = found.get(index_key(listing_id), {})
            indexes[listing_id] = text(item, "erased_by") if "erased_by" in item else None
        for change in changes:
            item = found.get(index_key(change.listing.listing_id), {})
            if change.change_id in item:
                indexed[change.change_id] = int(item[change.change_id]["N"])
        rest = [c.change_id for c in changes if c.change_id not in indexed]
        return indexes, indexed, indexed | self._marked(rest)

    def _marked(self, change_ids: Sequence[str]) -> dict[str, int]:
        """Changes found by their own marker: a purge's, and any logged before chunks."""
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

    def _window(self, start: int, limit: int, bodies: bool) -> list[Read]:
        window = range(max(start, 1), max(start, 1) + max(limit, 0))
        return read_window(self._batch, self._archive.get, window, bodies)

    def entries(self, start: int, limit: int) -> list[tuple[LogEntry, Change | Erased]]:
        """Entries ``start`` … ``start + limit - 1`` that exist, in order, with their changes
        (or, where retention erased one, the tombstone that replaced it)."""
        return [(entry, body) for entry, body, _ in self._window(start, limit, True) if body]

    def published(self, start: int, limit: int) -> tuple[list[LogEntry], list[int]]:
        """What ``GET /v1/log`` shows: the entries, and which of them had their body erased
        (bodies themselves are not decrypted)."""
        read = self._window(start, limit, False)
        return [e for e, _, _ in read], [e.sequence for e, _, erased in read if erased]

    def erase(self, listing_id: str, tombstone_id: str) -> int:
        """Make every logged body of ``listing_id`` unreadable but its purge's (``tombstone_id``,
        which replaces them); entries, digests and the head stay, so every proof verifies.

        The index is marked first, so a change of the listing logged from then on is logged
        without its body; the marking also returns every entry logged before it. Idempotent:
        a purge retried after a failure finishes the erasure. Returns how many bodies."""
        reply = self._client.update_item(
            TableName=self._table,
            Key={"pk": s(index_key(listing_id))},
            UpdateExpression="SET erased_by = :purge",
            ExpressionAttributeValues={":purge": s(tombstone_id)},
            ReturnValues="ALL_NEW",
        )
        index = reply.get("Attributes", {})
        older = sorted(int(x) for x in index.get("sequences", {}).get("NS", []))
        self._put_all([{"pk": s(body_key(x)), "erased_by": s(tombstone_id)} for x in older])
        sequences = sorted(
            int(v["N"]) for k, v in index.items() if k.startswith("chg_") and k != tombstone_id
        )
        erased = 0
        for chunk in chunks_holding(self._batch, sequences):
            offsets = [
                str(x - chunk.first)
                for x in sequences
                if chunk.holds(x) and str(x - chunk.first) in chunk.keys
            ]
            if not offsets:
                continue
            erased += len(offsets)
            names = {f"#o{i}": offset for i, offset in enumerate(offsets)}
            self._client.update_item(
                TableName=self._table,
                Key={"pk": s(chunk_key(chunk.first))},
                UpdateExpression="REMOVE "
                + ", ".join(f"#keys.{x}" for x in names)
                + " SET "
                + ", ".join(f"#erased.{x} = :purge" for x in names),
                ExpressionAttributeNames={**names, "#keys": "keys", "#erased": "erased"},
                ExpressionAttributeValues={":purge": s(tombstone_id)},
            )
        if older:  # the older index's set goes last: a retried purge finds it
            self._client.update_item(
                TableName=self._table,
                Key={"pk": s(index_key(listing_id))},
                UpdateExpression="REMOVE sequences",
            )
        return len(older) + erased

    def sequence_of(self, change_id: str) -> int | None:
        """Where ``change_id`` is logged, if it is: a purge's (what replays look up for an
        erased body), or any change logged before chunks."""
        return self._marked([change_id]).get(change_id)

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
