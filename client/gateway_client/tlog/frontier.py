"""The right edge of a growing tree: all a sequencer keeps to append a batch and sign its root.

A tree of ``size`` leaves is a run of maximal complete subtrees, one per set bit of ``size``
(largest first). Appending leaves only ever merges at that edge, so a batch costs
O(batch + log size) hashes, and every complete subtree it finishes is reported once — the log
stores those (as tiles) and can answer any later proof without the tree in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway_client.tlog.hashing import HASH_SIZE, fold_right, node_hash

_SIZE_BYTES = 8


def _heights(size: int) -> list[int]:
    """Heights of the maximal complete subtrees of a tree of ``size`` leaves, left to right."""
    return [h for h in range(size.bit_length() - 1, -1, -1) if size >> h & 1]


@dataclass(frozen=True)
class Frontier:
    """Hashes of the maximal complete subtrees of a tree of ``size`` leaves, left to right."""

    size: int
    hashes: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if self.size < 0 or self.size >= 1 << 63:
            raise ValueError(f"tree size {self.size} out of range")
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(f"a tree of {self.size} leaves has {self.size.bit_count()} peaks")
        if any(len(h) != HASH_SIZE for h in self.hashes):
            raise ValueError("frontier hashes are 32 bytes")

    @classmethod
    def empty(cls) -> Frontier:
        return cls(0, ())

    def append(self, leaves: Sequence[bytes]) -> tuple[Frontier, list[tuple[int, int, bytes]]]:
        """Append leaf hashes; the new frontier and every complete subtree (height, n, hash)
        that exists now and did not before, leaves (height 0) included, in creation order."""
        stack = list(zip(_heights(self.size), self.hashes, strict=True))
        created: list[tuple[int, int, bytes]] = []
        size = self.size
        for leaf in leaves:
            if len(leaf) != HASH_SIZE:
                raise ValueError("leaves are appended as 32-byte leaf hashes")
            height, acc = 0, leaf
            created.append((0, size, leaf))
            while stack and stack[-1][0] == height:
                acc = node_hash(stack.pop()[1], acc)
                height += 1
                created.append((height, size >> height, acc))
            stack.append((height, acc))
            size += 1
        return Frontier(size, tuple(h for _, h in stack)), created

    def root(self) -> bytes:
        """The tree head: the peaks folded right to left (``EMPTY_ROOT`` when empty)."""
        return fold_right(self.hashes)

    def to_bytes(self) -> bytes:
        """8-byte big-endian size, then the peaks: 8 + 32·popcount(size) bytes."""
        return self.size.to_bytes(_SIZE_BYTES, "big") + b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Frontier:
        """The inverse of ``to_bytes``; ValueError on any length that does not fit the size."""
        if len(raw) < _SIZE_BYTES:
            raise ValueError("a frontier starts with its 8-byte size")
        size = int.from_bytes(raw[:_SIZE_BYTES], "big")
        body = raw[_SIZE_BYTES:]
        if len(body) != HASH_SIZE * size.bit_count():
            raise ValueError(f"a frontier of size {size} holds {size.bit_count()} hashes")
        peaks = tuple(body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE))
        return cls(size, peaks)
