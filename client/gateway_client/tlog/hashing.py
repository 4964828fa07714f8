"""RFC 9162 §2.1 Merkle tree hashing: the domain-separated leaf and node hashes and the tree head.

Leaves and interior nodes are hashed with different one-byte prefixes so that no leaf can be
presented as an interior node (the second-preimage attack on plain Merkle trees).

Why not pymerkle (7.0.0, evaluated): it is GPL-3.0-or-later, which this client package (installed
beside a platform's own code) cannot take on; it stores leaves and recomputes subtree roots from
them (an LRU cache at best), while a serverless log needs proofs from stored complete-subtree
hashes without the tree in memory; it knows nothing of tiles, signed notes, checkpoints or
cosignatures; and it pins ``cachetools`` exactly and warns that it lacks a security audit.
So the tree math is written here once (stdlib + ``cryptography``), against the RFC 6962 /
transparency-dev, golang sumdb and C2SP test vectors (tests/unit/test_tlog_*)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash a log entry enters the tree with."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: an interior node over its two children."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range given its maximal complete subtrees, left to right (largest first).

    RFC 9162 splits a range of ``m`` leaves at the largest power of two below ``m``; for a range
    starting at a multiple of that power the left part is exactly the first complete subtree, so
    the range hash is ``node(c0, node(c1, … node(c_{k-1}, c_k)))``."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def merge_complete(hashes: Iterable[bytes]) -> list[tuple[int, bytes]]:
    """The maximal complete subtrees (height, hash) of a run of leaf hashes, left to right.

    One pass with a stack, like a binary counter: memory grows with log(n), not n."""
    stack: list[tuple[int, bytes]] = []
    for leaf in hashes:
        height, acc = 0, leaf
        while stack and stack[-1][0] == height:
            acc = node_hash(stack.pop()[1], acc)
            height += 1
        stack.append((height, acc))
    return stack


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]), RFC 9162 §2.1.1, from the leaf hashes (``EMPTY_ROOT`` for no leaves)."""
    return fold_right([h for _, h in merge_complete(leaf_hashes)])
