"""C2SP tlog-tiles: the tree and its entries as immutable static objects (tiles of 256 hashes).

A tile at level ``L`` holds the hashes of complete subtrees of height ``8·L``; the rightmost tile
of a level is partial (``.p/W``) until it fills. Growing the tree rewrites only the right edge
of each level, so a sequencing step writes a handful of objects however large the log is, and a
reader rebuilds any subtree hash from at most one tile."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from gateway_client.tlog.hashing import HASH_SIZE, merge_complete
from gateway_client.tlog.proofs import HashReader

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_MAX_LEVEL = 63
_MAX_ENTRY = 0xFFFF
_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)
ReadTile = Callable[[str], bytes]


def _index_path(index: int) -> str:
    """``1234067`` → ``x001/x234/067``: 3-digit groups, all but the last marked with ``x``."""
    if index < 0:
        raise ValueError(f"tile index {index} is negative")
    groups = [f"{index % 1000:03d}"]
    while index >= 1000:
        index //= 1000
        groups.append(f"x{index % 1000:03d}")
    return "/".join(reversed(groups))


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is not within 1..{TILE_WIDTH}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``, e.g. ``tile/0/x001/234`` or ``tile/0/x001/234.p/17``."""
    if not 0 <= level <= _MAX_LEVEL:
        raise ValueError(f"tile level {level} is not within 0..{_MAX_LEVEL}")
    return f"tile/{level}/{_index_path(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``: the bundle of entries whose leaf hashes are level-0 tile N."""
    return f"tile/entries/{_index_path(index)}{_suffix(width)}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """(level, or None for an entry bundle; index; width) of a canonical tile path, else
    ValueError — so a path from a request can never name an object the log would not write."""
    match = _PATH.fullmatch(path)
    if not match:
        raise ValueError(f"{path!r} is not a tile path")
    level = None if match["level"] == "entries" else int(match["level"])
    index = int(match["index"].replace("x", "").replace("/", ""))
    width = int(match["width"] or TILE_WIDTH)
    canonical = entries_path(index, width) if level is None else tile_path(level, index, width)
    if canonical != path:
        raise ValueError(f"{path!r} is not canonical ({canonical!r})")
    return level, index, width


def _grown(old_count: int, new_count: int) -> list[tuple[int, int, int]]:
    """For a level holding ``old_count`` → ``new_count`` items: (tile, kept, width) of each tile
    that changes, ``kept`` being how many items it already had (its previous partial width)."""
    if new_count <= old_count:
        return []
    return [
        (t, max(0, old_count - t * TILE_WIDTH), min(TILE_WIDTH, new_count - t * TILE_WIDTH))
        for t in range(old_count // TILE_WIDTH, (new_count - 1) // TILE_WIDTH + 1)
    ]


def _kept(raw: bytes, expected: int, path: str) -> bytes:
    if len(raw) != expected:
        raise ValueError(f"{path} holds {len(raw)} bytes, expected {expected}")
    return raw


def tiles_for(
    old_size: int,
    new_size: int,
    new_hashes: Sequence[tuple[int, int, bytes]],
    read_tile: ReadTile,
) -> list[tuple[str, bytes]]:
    """Every tile, at every level, whose content changes growing the tree old_size → new_size.

    ``new_hashes`` is what ``Frontier.append`` returned for that growth; ``read_tile`` is asked
    only for the previous partial tiles that the new ones extend."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"the tree cannot grow from {old_size} to {new_size}")
    fresh = {(h, n): v for h, n, v in new_hashes if h % TILE_HEIGHT == 0}
    written: list[tuple[str, bytes]] = []
    level = 0
    while (new_size >> (TILE_HEIGHT * level)) > (old_size >> (TILE_HEIGHT * level)):
        height = TILE_HEIGHT * level
        for tile, kept, width in _grown(old_size >> height, new_size >> height):
            start = tile * TILE_WIDTH
            body = b""
            if kept:
                old = tile_path(level, tile, kept)
                body = _kept(read_tile(old), kept * HASH_SIZE, old)
            try:
                body += b"".join(fresh[height, n] for n in range(start + kept, start + width))
            except KeyError as missing:
                raise ValueError(f"new_hashes lacks the subtree {missing}") from None
            written.append((tile_path(level, tile, width), body))
        level += 1
    return written


def bundle(entries: Sequence[bytes]) -> bytes:
    """Entries as a tlog-tiles bundle: each a big-endian uint16 length, then its bytes."""
    if any(len(e) > _MAX_ENTRY for e in entries):
        raise ValueError(f"a bundled entry holds at most {_MAX_ENTRY} bytes")
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def split_bundle(raw: bytes) -> list[bytes]:
    """The entries of a bundle, in order; ValueError if it is truncated."""
    entries, at = [], 0
    while at < len(raw):
        if at + 2 > len(raw):
            raise ValueError("an entry bundle ends inside a length prefix")
        length = int.from_bytes(raw[at : at + 2], "big")
        if at + 2 + length > len(raw):
            raise ValueError("an entry bundle ends inside an entry")
        entries.append(raw[at + 2 : at + 2 + length])
        at += 2 + length
    return entries


def entry_bundles_for(
    old_size: int,
    new_size: int,
    new_entries: Sequence[bytes],
    read_bundle: ReadTile,
) -> list[tuple[str, bytes]]:
    """Every entry bundle that changes growing the log old_size → new_size by ``new_entries``;
    ``read_bundle`` is asked only for the previous partial bundle that the first one extends."""
    if old_size < 0 or len(new_entries) != new_size - old_size:
        raise ValueError(f"{len(new_entries)} entries do not grow {old_size} to {new_size}")
    written: list[tuple[str, bytes]] = []
    for tile, kept, width in _grown(old_size, new_size):
        start = tile * TILE_WIDTH
        body = b""
        if kept:
            old = entries_path(tile, kept)
            body = read_bundle(old)
            if len(split_bundle(body)) != kept:
                raise ValueError(f"{old} does not hold {kept} entries")
        fresh = new_entries[start + kept - old_size : start + width - old_size]
        written.append((entries_path(tile, width), body + bundle(fresh)))
    return written


def _locate(size: int, height: int, n: int) -> tuple[str, int, int, int]:
    """Where subtree (height, n) of the tree of ``size`` lives: (tile path, tile width, first
    hash, count).

    A subtree of height ``8·L + r`` is ``2**r`` consecutive hashes of one level-L tile; which
    tile (full, or partial of the width ``size`` dictates) follows from ``size`` alone."""
    if height < 0 or n < 0 or (n + 1) << height > size:
        raise ValueError(f"subtree ({height}, {n}) is not complete in a tree of {size}")
    level, rest = divmod(height, TILE_HEIGHT)
    first = n << rest
    tile = first // TILE_WIDTH
    width = min(TILE_WIDTH, (size >> (TILE_HEIGHT * level)) - tile * TILE_WIDTH)
    return tile_path(level, tile, width), width, first - tile * TILE_WIDTH, 1 << rest


def tiles_needed(size: int, nodes: Sequence[tuple[int, int]]) -> list[str]:
    """The tile paths a ``tile_hash_reader(size, …)`` reads for these subtrees, each once. A
    ``HashReader`` over HTTP fetches them concurrently, then answers through a
    ``tile_hash_reader`` over what it fetched."""
    return list(dict.fromkeys(_locate(size, h, n)[0] for h, n in nodes))


def tile_hash_reader(size: int, read_tile: ReadTile) -> HashReader:
    """A ``HashReader`` over the published tiles of the tree of ``size`` leaves: each subtree
    is its run of tile hashes merged. Each tile is read at most once per call."""

    def read(nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        tiles: dict[str, bytes] = {}
        hashes = []
        for height, n in nodes:
            path, width, first, count = _locate(size, height, n)
            if path not in tiles:
                tiles[path] = _kept(read_tile(path), width * HASH_SIZE, path)
            raw = tiles[path][first * HASH_SIZE : (first + count) * HASH_SIZE]
            run = [raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)]
            hashes.append(merge_complete(run)[0][1])
        return hashes

    return read
