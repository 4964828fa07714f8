"""Proofs from stored hashes, across arbitrary batch boundaries: whatever way the log is grown,
every inclusion and consistency proof it can build (from the subtrees ``Frontier.append``
reported, or from its published tiles) verifies, and any altered proof, index or size fails."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_client.tlog import (
    TILE_WIDTH,
    Frontier,
    HashReader,
    consistency_proof,
    entries_path,
    entry_bundles_for,
    inclusion_proof,
    leaf_hash,
    root_of,
    split_bundle,
    tile_hash_reader,
    tiles_for,
    tiles_needed,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

Created = list[tuple[int, int, bytes]]


def entry(i: int) -> bytes:
    return b"change-%d" % i + b"." * (i % 5)


ENTRIES = [entry(i) for i in range(70_000)]
LEAVES = [leaf_hash(e) for e in ENTRIES]


class Published:
    """An in-memory bucket the log writes tiles and bundles to, batch by batch."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.frontier = Frontier.empty()
        self.created: Created = []
        self.reads: list[str] = []
        self.checkpoints: dict[int, bytes] = {0: Frontier.empty().root()}

    def read(self, path: str) -> bytes:
        self.reads.append(path)
        return self.objects[path]

    def grow(self, count: int) -> None:
        old = self.frontier.size
        batch = LEAVES[old : old + count]
        self.frontier, created = self.frontier.append(batch)
        self.created += created
        self.objects.update(tiles_for(old, self.frontier.size, created, self.read))
        bundles = entry_bundles_for(old, self.frontier.size, ENTRIES[old : old + count], self.read)
        self.objects.update(bundles)
        self.checkpoints[self.frontier.size] = self.frontier.root()

    def stored_reader(self) -> HashReader:
        stored = {(h, n): v for h, n, v in self.created}
        return lambda nodes: [stored[node] for node in nodes]


def flipped(proof: Sequence[bytes], at: int) -> list[bytes]:
    """The proof with one bit of one of its hashes flipped."""
    changed = list(proof)
    at %= len(changed)
    changed[at] = bytes([changed[at][0] ^ 1]) + changed[at][1:]
    return changed


def assert_inclusion_is_tight(index: int, size: int, read: HashReader, root: bytes) -> None:
    proof = inclusion_proof(index, size, read)
    assert verify_inclusion(LEAVES[index], index, size, proof, root)
    assert not verify_inclusion(leaf_hash(b"another"), index, size, proof, root)
    assert not verify_inclusion(LEAVES[index], index ^ 1, size, proof, root) or index ^ 1 >= size
    # The size is bound by the proof's shape (and the checkpoint), so change the shape.
    assert not verify_inclusion(LEAVES[index], index, size * 2, proof, root)
    assert not verify_inclusion(LEAVES[index], index, size // 2, proof, root) or size == 1
    assert not verify_inclusion(LEAVES[index], index, size, [*proof, root], root)
    if proof:
        assert not verify_inclusion(LEAVES[index], index, size, flipped(proof, index), root)
        assert not verify_inclusion(LEAVES[index], index, size, proof[:-1], root)


def assert_consistency_is_tight(
    old: int, new: int, read: HashReader, roots: Callable[[int], bytes]
) -> None:
    proof = consistency_proof(old, new, read)
    assert verify_consistency(old, new, roots(old), roots(new), proof)
    if 0 < old < new:
        assert not verify_consistency(old, new, roots(old), roots(new), flipped(proof, new))
        assert not verify_consistency(old, new, roots(old), roots(new), proof[:-1])
        assert not verify_consistency(old, new, roots(old), roots(new), [*proof, roots(old)])
        assert not verify_consistency(old + 1, new, roots(old), roots(new), proof)
        assert not verify_consistency(old - 1, new, roots(old), roots(new), proof)
        assert not verify_consistency(old, new * 2, roots(old), roots(new), proof)
        assert not verify_consistency(old, new, flipped([roots(old)], 0)[0], roots(new), proof)


def root(size: int) -> bytes:
    return root_of(LEAVES[:size])


batches = st.lists(st.integers(0, 90), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(batches, st.data())
def test_proofs_from_the_appended_subtrees_verify_and_nothing_else_does(
    sizes: list[int], data: st.DataObject
) -> None:
    log = Published()
    for count in sizes:
        log.grow(count)
        assert log.frontier.root() == root(log.frontier.size)
        assert Frontier.from_bytes(log.frontier.to_bytes()) == log.frontier
    size = log.frontier.size
    read = log.stored_reader()
    assert tree_root(size, read) == root(size)
    if size:
        index = data.draw(st.integers(0, size - 1), "index")
        assert_inclusion_is_tight(index, size, read, root(size))
    old = data.draw(st.integers(0, size), "old")
    assert_consistency_is_tight(old, size, read, root)


@settings(max_examples=25, deadline=None)
@given(batches, st.data())
def test_tiles_grown_batch_by_batch_serve_every_proof(
    sizes: list[int], data: st.DataObject
) -> None:
    log = Published()
    for count in sizes:
        log.reads.clear()
        log.grow(count)
        assert all(".p/" in path for path in log.reads)  # only the partial tiles it extends
    size = log.frontier.size
    at_once = dict(tiles_for(0, size, log.created, lambda path: pytest.fail(path)))
    assert {path: log.objects[path] for path in at_once} == at_once
    bundled = [
        split_bundle(log.objects[entries_path(t, min(TILE_WIDTH, size - t * TILE_WIDTH))])
        for t in range(-(-size // TILE_WIDTH))
    ]
    assert [e for bundle in bundled for e in bundle] == ENTRIES[:size]
    checkpoints = sorted(log.checkpoints)
    old, new = sorted(data.draw(st.lists(st.sampled_from(checkpoints), min_size=2, max_size=2)))
    tiles = tile_hash_reader(new, log.read)
    assert tree_root(new, tiles) == log.checkpoints[new]
    assert_consistency_is_tight(old, new, tiles, lambda n: log.checkpoints[n])
    if new:
        index = data.draw(st.integers(0, new - 1), "index")
        assert_inclusion_is_tight(index, new, tiles, log.checkpoints[new])
        assert inclusion_proof(index, new, tiles) == inclusion_proof(
            index, new, log.stored_reader()
        )


def test_the_spec_example_tree_of_70000_leaves_and_its_proofs() -> None:
    """tlog-tiles: a tree of 70,000 is 273 full level-0 tiles and one of width 112, one full
    level-1 tile and one of width 17, and a level-2 tile of width 1."""
    log = Published()
    for count in (1, 254, 1, 65_279, 1, 1, 4_463):
        log.grow(count)
    assert log.frontier.size == 70_000
    wanted = [f"tile/0/{n:03d}" for n in range(273)] + ["tile/0/273.p/112"]
    wanted += ["tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"]
    at_once = tiles_for(0, 70_000, log.created, lambda path: pytest.fail(path))
    assert sorted(path for path, _ in at_once) == sorted(wanted)
    assert all(log.objects[path] == body for path, body in at_once)
    assert log.objects["tile/1/000"] == b"".join(LEAVES_ROOTS_256[:256])
    bundles = [p for p in log.objects if p.startswith("tile/entries/") and ".p/" not in p]
    assert len(bundles) == 273
    assert split_bundle(log.objects["tile/entries/273.p/112"]) == ENTRIES[69_888:70_000]
    for new in (256, 65_536, 65_537, 70_000):
        reads: list[str] = []

        def counted(path: str, reads: list[str] = reads) -> bytes:
            reads.append(path)
            return log.objects[path]

        tiles = tile_hash_reader(new, counted)
        for index in (0, 255, new - 1, new // 3):
            assert_inclusion_is_tight(index, new, tiles, log.checkpoints[new])
        for old in (1, 255, 256, 65_535, 65_536, new):
            if old in log.checkpoints and old <= new:
                assert_consistency_is_tight(old, new, tiles, lambda n: log.checkpoints[n])
        reads.clear()
        proof = consistency_proof(255, new, tiles)
        assert len(reads) == len(set(reads))  # each tile once per call

        def prefetched(nodes: Sequence[tuple[int, int]], new: int = new) -> list[bytes]:
            fetched = {path: log.objects[path] for path in tiles_needed(new, nodes)}
            return tile_hash_reader(new, fetched.__getitem__)(nodes)

        assert consistency_proof(255, new, prefetched) == proof


LEAVES_ROOTS_256 = [root_of(LEAVES[i * 256 : (i + 1) * 256]) for i in range(256)]


def test_a_reader_refuses_a_subtree_the_tree_does_not_have_and_a_torn_tile() -> None:
    log = Published()
    log.grow(300)
    tiles = tile_hash_reader(300, log.read)
    with pytest.raises(ValueError, match="not complete"):
        tiles([(2, 75)])  # leaves 300..303
    log.objects["tile/0/001.p/44"] = log.objects["tile/0/001.p/44"][:-1]
    with pytest.raises(ValueError, match="expected"):
        tiles([(0, 299)])
    with pytest.raises(ValueError, match="entries do not grow"):
        entry_bundles_for(300, 302, [b"one"], log.read)
