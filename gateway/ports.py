"""The ports the domain needs from the outside world; ``chalicelib`` implements them on AWS."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from gateway.fanout import Delivery
from gateway.listing import Listing
from gateway.push import PushResult
from gateway.registry import PlatformKey, Region
from gateway.subscription import Subscription


class Registry(Protocol):
    def get_region(self, code: str) -> Region | None: ...
    def put_region(self, region: Region) -> None: ...
    def get_key(self, key_id: str) -> PlatformKey | None: ...
    def put_key(self, key: PlatformKey) -> None: ...


class Archive(Protocol):
    def put(self, key: str, body: bytes, metadata: Mapping[str, str]) -> None:
        """Store raw bytes durably before anything else happens to them."""
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


@dataclass(frozen=True)
class StoredVersion:
    version: str
    provenances: frozenset[str]


class ListingStore(Protocol):
    def stored_versions(self, keys: Sequence[tuple[str, str]]) -> dict[str, StoredVersion]:
        """Current versions by listing id, for (credit code, listing id) keys."""
        ...

    def apply(self, listings: Sequence[Listing], region: str) -> set[str]:
        """Write each listing unless the store holds an equal or newer version.

        Returns the ids actually written; the rest lost a race and are duplicates.
        """
        ...

    def add_provenance(self, keys: Sequence[tuple[str, str]], region: str) -> None: ...

    def subject(self, credit_code: str) -> list[Listing]: ...


class SubscriptionStore(Protocol):
    def put(self, subscription: Subscription) -> None: ...
    def get(self, subscription_id: str) -> Subscription | None: ...
    def all(self) -> list[Subscription]: ...


class DeliveryQueue(Protocol):
    def enqueue(self, deliveries: Iterable[Delivery]) -> None: ...
