"""What the pipeline part (``bench.pipeline``) pushes against, in memory: a registry of one
platform key, and a listing store already holding every other entry at an older version, so
dedup meets both new listings and changed ones without any I/O in the timing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bench.common import CITY
from gateway.intake import promote
from gateway.registry import PlatformKey, Region
from gateway_client.contract import Listing, ListingEntry
from infra.local import synthetic

HELD_AT = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


class OneKeyRegistry:
    """长沙市 and its one platform key: all ``authenticate`` reads of a registry."""

    def __init__(self, key: PlatformKey) -> None:
        self._key = key
        self._region = Region(code=CITY, name="长沙市")

    def get_key(self, key_id: str) -> PlatformKey | None:
        return self._key if key_id == self._key.key_id else None

    def get_region(self, code: str) -> Region | None:
        return self._region if code == CITY else None


class MemoryStore:
    """Listings by id, as ``ListingStore.current`` answers (a dict lookup, no copies)."""

    def __init__(self, listings: Sequence[Listing]) -> None:
        self._held = {listing.listing_id: listing for listing in listings}

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        return {lid: self._held[lid] for _, lid in keys if lid in self._held}


def held_half(n: int) -> MemoryStore:
    """Every even entry is already held, at version 0 (the body carries version 1)."""
    held = []
    for raw in synthetic.entries(CITY, range(0, n, 2), version=0):
        listing = promote(ListingEntry.model_validate(raw), CITY, HELD_AT)
        assert listing is not None
        held.append(listing)
    return MemoryStore(held)
