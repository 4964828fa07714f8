"""What the persons wing needs from a store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gateway.persons.index import IndexEntry


class PersonIndex(Protocol):
    def apply(self, puts: Sequence[IndexEntry], deletes: Sequence[tuple[str, str]]) -> None:
        """Write the entries and delete the (person, listing id) pairs, in that order."""

    def entries(self, person: str) -> list[IndexEntry]:
        """Every entry filed under one person key."""

    def erase(self, listing_id: str) -> int:
        """Delete every entry of a purged listing; how many there were."""
