"""What a subscription is owed for the listings it was delivered, whatever its filters say now.

A listing's later steps go to every subscription that was delivered it (a past recipient:
``gateway.delivery.planning``), so filters narrowed since do not excuse them: a gateway that
withheld a listing's end or purge from one province would leave it applying measures, and
holding a person's data, past the end (review 180). A log entry does not name its listing (the
leaves hold no listing content), with one exception: a purge's change id is the listing id's
alone (``purge_id``). So the audit owes the tombstone of every listing the store holds, and an
entry the filters leave out that may be a step of a listing the store holds in force — one of
the same list, domain and origin, logged after that listing reached the store — is unjudged:
neither proven delivered nor reported missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway_client.contract import DeliveryPayload, ListingStatus, ListKind, LogEntry, purge_id

_IN_FORCE = frozenset({ListingStatus.ACTIVE, ListingStatus.SUSPENDED})
_Shelf = tuple[ListKind, str, str]  # a list's kind, domain and origin region


@dataclass(frozen=True)
class HeldListings:
    """The listings a subscriber's store holds, as what the gateway owes for them."""

    tombstones: frozenset[str]
    in_force_since: dict[_Shelf, int]  # the earliest entry a held version in force came by

    def owed(self, entry: LogEntry) -> bool:
        """The entry is the purge of a listing the store holds."""
        return entry.change_id in self.tombstones

    def may_settle(self, entry: LogEntry) -> bool:
        """The entry may be a later step of a listing the store holds in force (from the
        region the operator moved it from, too)."""
        origins = (entry.origin_region, entry.moved_from)
        return any(
            entry.sequence
            > self.in_force_since.get((entry.kind, entry.domain, origin), entry.sequence)
            for origin in origins
            if origin is not None
        )


def held_listings(deliveries: Sequence[DeliveryPayload]) -> HeldListings:
    """Each listing the stored deliveries carry, as the newest version of it they hold: only
    a step after that one can settle it. Whether it is in force is that version's word; where
    it came by is the newest version of it a logged delivery brought — a restatement
    (``recognition.changed``) has no log entry, and one of a newer version hid the listing's
    later steps, its end too, from the audit (review 355)."""
    newest: dict[str, DeliveryPayload] = {}
    logged: dict[str, int] = {}
    for delivery in deliveries:
        listing = delivery.data.listing
        kept = newest.get(listing.listing_id)
        if kept is None or kept.data.listing.version < listing.version:
            newest[listing.listing_id] = delivery
        if delivery.log_sequence is not None:
            logged[listing.listing_id] = max(
                logged.get(listing.listing_id, 0), delivery.log_sequence
            )
    since: dict[_Shelf, int] = {}
    for listing_id, delivery in newest.items():
        listing, came_by = delivery.data.listing, logged.get(listing_id)
        if listing.status not in _IN_FORCE or came_by is None:
            continue
        shelf = (listing.kind, listing.domain, listing.origin_region)
        since[shelf] = min(since.get(shelf, came_by), came_by)
    return HeldListings(frozenset(purge_id(x.data.listing) for x in newest.values()), since)
