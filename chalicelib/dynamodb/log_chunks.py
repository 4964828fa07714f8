"""The exchange log's chunks: what one sequencing transaction appends, stored as one S3 object
and one small DynamoDB item, instead of an entry and a body item per change.

Why: items written in a transaction bill 2 write units per KB each, so a change's leaf
(≈ 330 bytes) and body (≈ 1 KB) as items of their own cost about 6 WRU per change. A chunk's
leaves and bodies go into one object (``log-chunks/<sha256>``, written before the transaction),
and the table keeps, per chunk, only ``chunk#<first sequence>``: where the object is, and a
16-byte key per entry for its body. Each body is sealed with its own random AES-GCM key (the
nonce can be constant: a key seals one body), with its change id as associated data. The
object does not depend on where the chunk lands (the leaves are stored without their sequence,
which the chunk item's first sequence gives back), so a lost turn of the head writes no new one.

Erasure is crypto-shredding: the entry's key is removed from the chunk item and its tombstone
recorded beside it. The object never changes, so the bucket's versioning keeps nothing
readable; an object whose transaction lost its turn (or whose writer died before it) was never
given a key anywhere, so it holds nothing anyone can read either. (The table's point-in-time
backups keep a removed key as long as they kept the body items before: 35 days.)

Finding the chunk that holds a sequence: a chunk has at most ``MOST`` entries, and the
transaction adds its first sequence to ``block#<first // BLOCK>``; a sequence's chunk starts in
its own block or the one before, so two small reads find it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway_client.contract import Change, LogEntry, entry_hash, log_entry

PREFIX = "log-chunks/"
BLOCK = 256
MOST = 128
"""Changes per chunk at most (no more than ``BLOCK``): a stream batch (``STREAM_BATCH_SIZE``,
500) is four chunks, each one turn of the head; the chunk item stays near 5 KB."""

_NONCE = bytes(12)  # every key seals exactly one body


def chunk_key(first: int) -> str:
    return f"chunk#{first:012d}"


def block_key(block: int) -> str:
    return f"block#{block:09d}"


def blocks_covering(start: int, end: int) -> range:
    """The blocks in which a chunk holding any of ``start`` … ``end`` may start."""
    return range(max(start - MOST + 1, 1) // BLOCK, end // BLOCK + 1)


@dataclass(frozen=True)
class Sealed:
    """A chunk ready to store: the object's key and bytes, and each live body's key by offset."""

    object_key: str
    body: bytes
    keys: dict[str, bytes]


def seal(changes: Sequence[Change], erased: set[int]) -> Sealed:
    """The chunk object for these changes, wherever the chunk lands: the leaves without their
    sequence (a turn of the head lost reuses the object), and the sealed bodies; those at the
    ``erased`` offsets (changes of a listing already erased) are not stored at all."""
    leaves: list[dict[str, Any]] = []
    bodies: list[str] = []
    keys: dict[str, bytes] = {}
    for offset, change in enumerate(changes):
        leaves.append(log_entry(1, change).model_dump(mode="json", exclude={"sequence", "hash"}))
        if offset in erased:
            bodies.append("")
            continue
        key = os.urandom(16)
        sealed = AESGCM(key).encrypt(_NONCE, change.model_dump_json().encode(), _aad(change))
        bodies.append(base64.b64encode(sealed).decode())
        keys[str(offset)] = key
    body = json.dumps({"leaves": leaves, "bodies": bodies}, separators=(",", ":")).encode()
    return Sealed(PREFIX + hashlib.sha256(body).hexdigest(), body, keys)


@dataclass(frozen=True)
class Opened:
    """A stored chunk: its entries, and per offset the body's key or the erasing tombstone."""

    entries: list[LogEntry]
    bodies: list[str]
    keys: Mapping[str, bytes]
    erased: Mapping[str, str]

    @classmethod
    def of(
        cls, body: bytes, first: int, keys: Mapping[str, bytes], erased: Mapping[str, str]
    ) -> Opened:
        """The object of the chunk that starts at sequence ``first``."""
        doc = json.loads(body)
        entries = [_entry(first + i, leaf) for i, leaf in enumerate(doc["leaves"])]
        return cls(entries, doc["bodies"], keys, erased)

    def change(self, offset: int) -> Change | str:
        """The change at ``offset``, or the id of the purge that erased it."""
        key = self.keys.get(str(offset))
        if key is None:
            return self.erased[str(offset)]
        sealed = base64.b64decode(self.bodies[offset])
        opened = AESGCM(key).decrypt(_NONCE, sealed, self.entries[offset].change_id.encode())
        return Change.model_validate_json(opened)


class Committed:
    """The objects of the last chunks this process committed, by first sequence: what the
    publisher, right after the append, would otherwise read back (the block's and the chunk's
    items, then the object: three requests in a row before every delivery). A committed
    chunk's leaves never change — its object is named by its digest, its first sequence is
    fixed by the head's condition, erasure only removes body keys — so the bytes this process
    wrote are the bytes stored. Bounded: the last ``kept`` chunks."""

    def __init__(self, kept: int = 4) -> None:
        self._kept = kept
        self._objects: dict[int, bytes] = {}

    def add(self, first: int, body: bytes) -> None:
        latest = sorted({**self._objects, first: body}.items())[-self._kept :]
        self._objects = dict(latest)  # replaced whole: a reader in another thread sees either

    def entries(self, window: range) -> list[LogEntry] | None:
        """The window's entries, in order, if these chunks hold every one of them."""
        found: dict[int, LogEntry] = {}
        for first, body in self._objects.items():
            if first > window.stop - 1 or first + MOST <= window.start:
                continue
            for entry in Opened.of(body, first, {}, {}).entries:
                if entry.sequence in window:
                    found[entry.sequence] = entry
        if len(found) != len(window):
            return None
        return [found[x] for x in window]


def _entry(sequence: int, leaf: dict[str, Any]) -> LogEntry:
    unhashed = LogEntry.model_validate({**leaf, "sequence": sequence, "hash": "0" * 64})
    return unhashed.model_copy(update={"hash": entry_hash(unhashed)})


def _aad(change: Change) -> bytes:
    """A body opens only as its own change's: its id (in the leaf) is the associated data."""
    return change.change_id.encode()
