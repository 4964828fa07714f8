"""The ports the domain needs from the outside world; ``chalicelib`` implements them on AWS."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from gateway.registry import PlatformKey, Region
from gateway_client.contract import Listing

Write = tuple[Listing, str | None]
"""A listing to store, and the version it must replace (``None``: it must not exist yet)."""

Page = tuple[list[Listing], str | None]
"""Listings read from an index, and where the next page starts (``None``: no more)."""


class ListingStore(Protocol):
    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        """The stored listings by id, for (credit code, listing id) keys."""
        ...

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        """Store each listing if the stored version is still the expected one (compare-and-set),
        adding ``region`` to its provenances. Returns the ids written; the others lost a race."""
        ...

    def rehome(self, listing: Listing, held: Listing) -> bool:
        """Store a listing given to another region (``listing.origin_region``) over ``held``
        if the stored version and provenances are still ``held``'s, its provenances replaced by
        ``listing``'s (the old chain's relays are no longer its own: a resync finds what a
        region holds by them; a relay tag landing meanwhile makes it a lost race)."""
        ...

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        """Add ``region`` to the provenances of each (credit code, listing id, owner as read)
        still held by that owner: a tag planned before a move to another region lands nowhere
        (review 146: it put a region outside the new owner's chain)."""
        ...

    def subject(self, credit_code: str) -> list[Listing]: ...

    def subjects(self, credit_codes: Sequence[str]) -> dict[str, list[Listing]]:
        """Every listing of each code (a batch check's reads, made concurrently)."""
        ...

    def delete(self, listing: Listing) -> bool:
        """Erase the listing if it is still at ``listing.version``."""
        ...

    def pending(self, today: date, after: str | None, limit: int) -> Page:
        """Listings whose ``DueDates.act_on`` has come by ``today``: up to ``limit`` index
        entries from ``after`` (a page may hold fewer listings; follow the cursor)."""
        ...

    def late(self, today: date, after: str | None, limit: int) -> Page:
        """Listings whose ``late_on`` has come by ``today``, paged like ``pending``."""
        ...

    def reschedule(self, listing: Listing, on: date | None) -> bool:
        """Move the listing's ``act_on`` to ``on`` (``None``: out of the index) if it is
        still at ``listing.version``; its content is not touched."""
        ...


class Erasure(Protocol):
    def erase(self, listing_id: str, tombstone_id: str, owner: str) -> None:
        """Erase every stored copy of the listing's content but the listing item itself —
        logged change bodies (each replaced by a stub naming the purge ``tombstone_id``) and
        feedback about it; the mark names the region that owned it (``owner``). Idempotent:
        a purge interrupted after it is simply run again."""
        ...

    def purged(self, listing_ids: Sequence[str]) -> Mapping[str, str]:
        """Which of ``listing_ids`` a purge erased (for good: such an id is never stored
        again, ``gateway.intake.dedup.plan``), each with its owner then ("" where the mark
        predates owners: ``gateway.intake.own_listings``)."""
        ...


class Registry(Protocol):
    def get_region(self, code: str) -> Region | None: ...
    def put_region(self, region: Region) -> None: ...
    def any_within(self, root: str) -> bool:
        """Whether ``root`` or a region in its subtree is registered: a subtree with no
        platform in it can never list anything."""
        ...

    def roots_without_regions(self, roots: Collection[str]) -> list[str]:
        """Those of ``roots`` with no registered region in their subtree (``any_within`` for
        many roots, reading the registry once)."""
        ...

    def get_key(self, key_id: str) -> PlatformKey | None: ...
    def all_keys(self) -> list[PlatformKey]:
        """Every key of every region, current or not."""
        ...

    def put_key(self, key: PlatformKey) -> None:
        """Store a new key, or a new state of a key of the same region (revocation).

        Raises ``KeyIdTaken`` when the key id belongs to another region, atomically."""
        ...

    def register_key(self, key: PlatformKey) -> None:
        """Store a key never registered: its id, and its public key under any id, unused.
        Atomically, so two registrations at once cannot both win (review 45).

        Raises ``KeyIdTaken`` or ``PublicKeyTaken``."""
        ...


class Archive(Protocol):
    def put(self, key: str, body: bytes, metadata: Mapping[str, str]) -> bool:
        """Store raw bytes durably, only if nothing is stored under ``key`` yet: evidence is
        never overwritten. Returns False when the key was taken (the bytes were not written)."""
        ...


class NonceStore(Protocol):
    def use(self, region: str, nonce: str, now: datetime, until: datetime) -> bool:
        """Record that a key of ``region`` signed a request with ``nonce``, until ``until``.

        ``False`` when the region already used it and that record has not expired: the caller
        refuses the request as a replay. Per region, not per key: the key-id header is not
        signed, so a request signed with two keys (rotation) must not count once per key.
        """
        ...


class Receipts(Protocol):
    def received(self, listing_id: str, region: str) -> bool:
        """Whether one of ``region``'s subscriptions was delivered the listing (acknowledged
        with a 2xx), at any version: a region that holds it may object to it."""
        ...
