"""The ports the domain needs from the outside world; ``chalicelib`` implements them on AWS."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from gateway.bulk import Upload
from gateway.fanout import Delivery
from gateway.listing import Listing
from gateway.push import PushResult
from gateway.registry import PlatformKey, Region
from gateway.subscription import Subscription


class Registry(Protocol):
    def get_region(self, code: str) -> Region | None: ...
    def put_region(self, region: Region) -> None: ...
    def get_key(self, key_id: str) -> PlatformKey | None: ...
    def put_key(self, key: PlatformKey) -> None:
        """Store a new key, or a new state of a key of the same region (revocation).

        Raises ``KeyIdTaken`` when the key id belongs to another region, atomically."""
        ...


class Archive(Protocol):
    def put(self, key: str, body: bytes, metadata: Mapping[str, str]) -> bool:
        """Store raw bytes durably, only if nothing is stored under ``key`` yet: evidence is
        never overwritten. Returns False when the key was taken (the bytes were not written)."""
        ...


class BatchLedger(Protocol):
    def claim(
        self, region: str, batch_id: str, body_sha256: str, now: datetime, lease: timedelta
    ) -> PushResult | None:
        """Start a batch; return its stored result if it already finished.

        Raises ``BatchIdReused`` for another body under the same id and ``BatchInProgress``
        while another claim's lease runs.
        """
        ...

    def finish(self, region: str, batch_id: str, result: PushResult) -> None: ...


Write = tuple[Listing, str | None]
"""A listing to store, and the version it must replace (``None``: it must not exist yet)."""


class ListingStore(Protocol):
    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        """The stored listings by id, for (credit code, listing id) keys."""
        ...

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        """Store each listing if the stored version is still the expected one (compare-and-set),
        adding ``region`` to its provenances. Returns the ids written; the others lost a race."""
        ...

    def add_provenance(self, keys: Sequence[tuple[str, str]], region: str) -> None: ...

    def subject(self, credit_code: str) -> list[Listing]: ...

    def by_subject(self) -> Iterator[list[Listing]]:
        """Every listing, one subject at a time."""
        ...

    def delete(self, listing: Listing) -> bool:
        """Erase the listing if it is still at ``listing.version``."""
        ...


class Erasure(Protocol):
    def erase(self, listing_id: str, tombstone_id: str) -> None:
        """Erase every stored copy of the listing's content but the listing item itself —
        logged change bodies (each replaced by a stub naming the purge ``tombstone_id``) and
        feedback about it. Idempotent: a purge interrupted after it is simply run again."""
        ...


class SubscriptionStore(Protocol):
    def put(self, subscription: Subscription) -> None: ...
    def get(self, subscription_id: str) -> Subscription | None: ...
    def all(self) -> list[Subscription]: ...


class DeliveryQueue(Protocol):
    def enqueue(self, deliveries: Iterable[Delivery]) -> None: ...


class UploadStore(Protocol):
    def create(self, upload: Upload) -> Upload | None:
        """Store a new upload; if its id is taken in its region, return the one stored."""
        ...

    def get(self, region: str, upload_id: str) -> Upload | None: ...

    def save(self, upload: Upload) -> None: ...

    def lease(
        self, region: str, upload_id: str, owner: str, now: datetime, until: datetime
    ) -> bool:
        """Hold the upload for one ingest run; ``False`` while another run's lease lasts."""
        ...

    def release(self, region: str, upload_id: str, owner: str) -> None: ...


class UploadedFiles(Protocol):
    def read(self, key: str, version_id: str | None, start: int) -> Iterable[bytes]:
        """The object's bytes from ``start`` on, in chunks (never the whole file at once)."""
        ...


class SourceIndex(Protocol):
    def held_by(self, region: str, domains: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(credit code, listing id) of the listings in force in ``domains`` that ``region``
        published or relayed."""
        ...


class NonceStore(Protocol):
    def use(self, region: str, nonce: str, now: datetime, until: datetime) -> bool:
        """Record that a key of ``region`` signed a request with ``nonce``, until ``until``.

        ``False`` when the region already used it and that record has not expired: the caller
        refuses the request as a replay. Per region, not per key: the key-id header is not
        signed, so a request signed with two keys (rotation) must not count once per key.
        """
        ...
