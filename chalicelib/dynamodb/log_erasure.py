"""Erasure of a listing's logged bodies (crypto-shredding), the exchange log's part that a
retention purge calls: the order of its steps is what keeps a concurrent append from logging
a body after it (``chalicelib.dynamodb.exchange_log``'s docstring, "Erasure")."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.dynamodb.base import n, s
from chalicelib.dynamodb.log_chunks import chunk_key
from chalicelib.dynamodb.log_compaction import CompactingIndex, older_of
from chalicelib.dynamodb.log_reading import body_key, chunks_holding, entry_key
from chalicelib.dynamodb.log_transaction import HEAD, index_key


class LogErasure(CompactingIndex):
    def sequences_of(self, listing_id: str) -> list[int]:
        """Where the listing's changes are logged: its committed claims, and the older
        index's set until its erasure ends (what a purge looks for in pending batch files,
        before and after erasing the log, and again when it is run again: see
        ``chalicelib.erasure``)."""
        index = self._get({"pk": s(index_key(listing_id))}) or {}
        return sorted({*older_of(index), *self._listed(listing_id, index)})

    def erased(self, listing_id: str) -> bool:
        """Whether a purge erased the listing: its index item is marked before anything else
        is erased (``erase``), so from then on this says so. One consistent read of one
        attribute."""
        reply = self._client.get_item(
            TableName=self._table,
            Key={"pk": s(index_key(listing_id))},
            ConsistentRead=True,
            ProjectionExpression="erased_by",
        )
        return "erased_by" in reply.get("Item", {})

    def purged(self, listing_ids: Sequence[str]) -> dict[str, str]:
        """Which of ``listing_ids`` a purge erased: what intake asks of the ids it would store
        as new listings, a BatchGetItem per 100 ids of one attribute, the requests at once.

        Consistent reads: a purge marks the index item (``erase``) before the listing is
        deleted, and intake asks only after it read the listing absent; an eventually
        consistent read could still miss a mark made just before that delete, and the purged
        listing would be stored again. Each with the region that owned it (``erase``'s
        ``owner``; "" for a mark made before marks named it)."""
        keys = [index_key(x) for x in dict.fromkeys(listing_ids)]
        found = self._batch(keys, "pk, erased_by, erased_owner")
        return {
            pk.removeprefix(index_key("")): item.get("erased_owner", {}).get("S", "")
            for pk, item in found.items()
            if "erased_by" in item
        }

    def erase(self, listing_id: str, tombstone_id: str, owner: str = "") -> int:
        """Make every logged body of ``listing_id`` unreadable but its purge's (``tombstone_id``,
        which replaces them); entries, digests and the head's size stay, so every proof verifies.

        The index is marked first, so a change of the listing logged from then on is logged
        without its body; then the head's generation moves, so a transaction prepared before
        it fails and is prepared again; only then is the index read again (every transaction
        that committed before the generation moved had its claims stored by then) and the
        listing's claims resolved to entries. Idempotent: a purge retried after a failure
        finishes the erasure. The mark names the region that owned the listing (``owner``:
        ``gateway.intake.own_listings``). Returns how many bodies."""
        self._client.update_item(
            TableName=self._table,
            Key={"pk": s(index_key(listing_id))},
            UpdateExpression="SET erased_by = :purge, erased_owner = :owner",
            ExpressionAttributeValues={":purge": s(tombstone_id), ":owner": s(owner)},
        )
        self._client.update_item(
            TableName=self._table,
            Key={"pk": s(HEAD)},
            UpdateExpression="ADD #gen :one",
            ExpressionAttributeNames={"#gen": "generation"},
            ExpressionAttributeValues={":one": n(1)},
        )
        index = self._get({"pk": s(index_key(listing_id))}) or {}  # consistent: see above
        older = older_of(index)
        self._put_all([{"pk": s(body_key(x)), "erased_by": s(tombstone_id)} for x in older])
        for x in older:  # the oldest shape kept the change on its entry item: gone too
            self._drop_change(x)
        sequences = self._listed(listing_id, index, but=tombstone_id)
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

    def _drop_change(self, sequence: int) -> None:
        self._update_if(
            TableName=self._table,
            Key={"pk": s(entry_key(sequence))},
            UpdateExpression="REMOVE #change",
            ConditionExpression="attribute_exists(#change)",
            ExpressionAttributeNames={"#change": "change"},
        )
