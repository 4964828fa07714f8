"""Inclusion and consistency proofs (RFC 9162 §2.1.3–2.1.4), built from stored complete subtrees.

A log that keeps only the hashes of complete subtrees (never the whole tree in memory) can still
answer every proof: each proof element is the hash of a range that is a node of the RFC 9162
tree, and such a range is a run of complete subtrees folded right to left. The builders name
all the subtrees they need in one call to the ``HashReader`` so a backend reads each tile once.
The verifiers never raise: a malformed proof is a proof that does not verify."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway_client.tlog.hashing import EMPTY_ROOT, HASH_SIZE, fold_right, node_hash

# Given (height, n) of complete subtrees (2**height leaves starting at leaf n * 2**height),
# their hashes in the same order.
HashReader = Callable[[Sequence[tuple[int, int]]], list[bytes]]
Span = tuple[int, int]


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n ≥ 2): where RFC 9162 splits a range."""
    return 1 << ((n - 1).bit_length() - 1)


def complete_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """The maximal aligned complete subtrees (height, n) covering leaves [lo, hi), left to right."""
    found = []
    while lo < hi:
        height = (hi - lo).bit_length() - 1
        while lo % (1 << height):
            height -= 1
        found.append((height, lo >> height))
        lo += 1 << height
    return found


def _span_hashes(spans: Sequence[Span], read: HashReader) -> list[bytes]:
    """The RFC 9162 hash of each span (each a node of the tree), with one batched read."""
    covers = [complete_subtrees(lo, hi) for lo, hi in spans]
    wanted = list(dict.fromkeys(node for cover in covers for node in cover))
    got = read(wanted) if wanted else []
    if len(got) != len(wanted) or any(len(h) != HASH_SIZE for h in got):
        raise ValueError("the hash reader did not return one 32-byte hash per subtree")
    known = dict(zip(wanted, got, strict=True))
    return [fold_right([known[node] for node in cover]) for cover in covers]


def inclusion_spans(index: int, size: int) -> list[Span]:
    """The ranges whose hashes make PATH(index, D[0:size]), leaf end first (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    spans: list[Span] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            spans.append((lo + k, hi))
            hi = lo + k
        else:
            spans.append((lo, lo + k))
            lo += k
    return spans[::-1]


def consistency_spans(old_size: int, new_size: int) -> list[Span]:
    """The ranges whose hashes make PROOF(old_size, D[0:new_size]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    spans: list[Span] = []
    lo, hi, m, whole = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            spans.append((lo + k, hi))
            hi = lo + k
        else:
            spans.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        spans.append((lo, hi))
    return spans[::-1]


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    return _span_hashes(inclusion_spans(index, size), read)


def consistency_proof(old_size: int, new_size: int, read: HashReader) -> list[bytes]:
    """The proof that the tree of ``new_size`` leaves extends the tree of ``old_size``."""
    return _span_hashes(consistency_spans(old_size, new_size), read)


def tree_root(size: int, read: HashReader) -> bytes:
    """The root of the tree of ``size`` leaves (``EMPTY_ROOT`` when empty)."""
    return _span_hashes([(0, size)], read)[0] if size else EMPTY_ROOT


def _sized(hashes: Sequence[bytes]) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` put the leaf hash ``leaf`` at ``index`` under ``root``?"""
    if not 0 <= index < size or not _sized([leaf, root, *proof]):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``new_size`` with ``new_root`` an extension of the tree
    of ``old_size`` with ``old_root``? Equal sizes need equal roots and an empty proof; the
    empty tree (whose root must be ``EMPTY_ROOT``) is consistent with every tree, no proof."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root and (old_size > 0 or old_root == EMPTY_ROOT)
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof or not _sized([old_root, new_root, *proof]):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
