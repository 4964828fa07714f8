"""Reading the exchange log by sequence: from chunks (``log_chunks``), and, for entries logged
before chunks existed (deployed logs have them), from the per-entry items: ``entry#`` (the leaf)
and ``body#`` (the change, or the stub erasure left; older still: the change on the entry)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.dynamodb.base import text
from chalicelib.dynamodb.log_chunks import Opened, block_key, blocks_covering, chunk_key
from gateway.delivery import Erased
from gateway_client.contract import Change, LogEntry

Batch = Callable[[Sequence[str], str | None], dict[str, dict[str, Any]]]
"""Consistent reads of items by ``pk`` (with a projection, or whole): found items by key."""

Fetch = Callable[[str], bytes]
"""An object of the archive bucket by key."""

Read = tuple[LogEntry, Change | Erased | None, bool]
"""An entry, its change or erasure (``None`` when bodies were not asked for), and whether its
body was erased."""


def entry_key(sequence: int) -> str:
    return f"entry#{sequence:012d}"


def body_key(sequence: int) -> str:
    return f"body#{sequence:012d}"


@dataclass(frozen=True)
class ChunkItem:
    """A ``chunk#`` item: where the chunk's object is, its body keys and erasures by offset."""

    first: int
    count: int
    object_key: str
    keys: dict[str, bytes]
    erased: dict[str, str]

    @classmethod
    def of(cls, item: dict[str, Any]) -> ChunkItem:
        return cls(
            int(item["first"]["N"]),
            int(item["count"]["N"]),
            text(item, "object"),
            {k: bytes(v["B"]) for k, v in item.get("keys", {}).get("M", {}).items()},
            {k: str(v["S"]) for k, v in item.get("erased", {}).get("M", {}).items()},
        )

    def holds(self, sequence: int) -> bool:
        return self.first <= sequence < self.first + self.count


def chunks_holding(batch: Batch, sequences: Collection[int]) -> list[ChunkItem]:
    """The chunks that hold any of ``sequences``, in order (entries logged before chunks
    existed are in none)."""
    if not sequences:
        return []
    blocks = sorted({b for x in sequences for b in blocks_covering(x, x)})
    found = batch([block_key(b) for b in blocks], "pk, chunks").values()
    firsts = sorted({int(v) for item in found for v in item.get("chunks", {}).get("NS", [])})
    wanted = {firsts[i - 1] for x in sequences if (i := bisect_right(firsts, x))}
    items = batch([chunk_key(f) for f in sorted(wanted)], None).values()
    chunks = sorted((ChunkItem.of(item) for item in items), key=lambda c: c.first)
    return [c for c in chunks if any(c.holds(x) for x in sequences)]


def read_window(batch: Batch, fetch: Fetch, window: Collection[int], bodies: bool) -> list[Read]:
    """The entries of ``window`` (a range, or any sequences) that exist, in order: each chunk
    holding some of them read once."""
    found: dict[int, Read] = {}
    for chunk in chunks_holding(batch, window):
        opened = Opened.of(fetch(chunk.object_key), chunk.first, chunk.keys, chunk.erased)
        for offset, entry in enumerate(opened.entries):
            if entry.sequence not in window:
                continue
            erased = str(offset) not in chunk.keys
            change: Change | Erased | None = None
            if bodies:
                body = opened.change(offset)
                change = body if isinstance(body, Change) else Erased(tombstone=body)
            found[entry.sequence] = (entry, change, erased)
    older = [x for x in window if x not in found]
    found |= _older(batch, older, bodies)
    return [found[x] for x in sorted(found)]


def erased_in(batch: Batch, window: range) -> list[int]:
    """The sequences of ``window`` whose body a purge erased, in order. A chunk item alone
    says which of its entries have no body key left, so no chunk object is downloaded (fan-out
    asks this of every run's files); entries logged before chunks, by their ``body#`` stubs."""
    erased: set[int] = set()
    chunked: set[int] = set()
    for chunk in chunks_holding(batch, window):
        held = range(max(chunk.first, window.start), min(chunk.first + chunk.count, window.stop))
        chunked.update(held)
        erased |= {x for x in held if str(x - chunk.first) not in chunk.keys}
    older = _older(batch, [x for x in window if x not in chunked], False)
    return sorted(erased | {x for x, (_, _, gone) in older.items() if gone})


def _older(batch: Batch, sequences: list[int], bodies: bool) -> dict[int, Read]:
    if not sequences:
        return {}
    entries = batch([entry_key(x) for x in sequences], None if bodies else "pk, doc")
    stubs = batch([body_key(x) for x in sequences], None if bodies else "pk, erased_by")
    out: dict[int, Read] = {}
    for x in sequences:
        item = entries.get(entry_key(x))
        if item is None:
            continue
        body = stubs.get(body_key(x))
        erased = body is not None and "erased_by" in body
        change = _body(item, body) if bodies else None
        out[x] = (LogEntry.model_validate_json(text(item, "doc")), change, erased)
    return out


def _body(entry: dict[str, Any], body: dict[str, Any] | None) -> Change | Erased:
    """The entry's change: its body item, or the stub erasure left; entries written before
    bodies had items of their own keep the change on the entry item."""
    if body is not None and "erased_by" in body:
        return Erased(tombstone=text(body, "erased_by"))
    return Change.model_validate_json(text(body if body is not None else entry, "change"))
