"""Changes: what subscribers hear about when a listing is created or moves forward."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime

from gateway.listing import Listing, ListingStatus
from gateway.model import Frozen


class ChangeType(StrEnum):
    LISTED = "listed"
    UPDATED = "updated"
    RECOGNITION = "recognition"  # the listing is unchanged; an agreement changed how it applies


class Change(Frozen):
    """One accepted step of one listing; ``change_id`` is the same wherever it is derived."""

    change_id: str
    type: ChangeType
    listing: Listing
    previous_version: str | None
    previous_status: ListingStatus | None
    occurred_at: AwareDatetime


def change_id(listing: Listing, cause: str = "") -> str:
    digest = hashlib.sha256(f"{listing.listing_id}@{listing.version}{cause}".encode()).hexdigest()
    return "chg_" + digest[:32]


def restated(listing: Listing, cause: str, at: datetime) -> Change:
    """The listing as it stands, re-sent because ``cause`` (e.g. an agreement revision) changed."""
    return Change(
        change_id=change_id(listing, f"#{cause}"),
        type=ChangeType.RECOGNITION,
        listing=listing,
        previous_version=listing.version,
        previous_status=listing.status,
        occurred_at=at,
    )


def change_between(new: Listing, old: Listing | None) -> Change | None:
    """The change that moved ``old`` to ``new``; ``None`` when only bookkeeping changed."""
    if old is not None and old.version == new.version:
        return None
    return Change(
        change_id=change_id(new),
        type=ChangeType.LISTED if old is None else ChangeType.UPDATED,
        listing=new,
        previous_version=None if old is None else old.version,
        previous_status=None if old is None else old.status,
        occurred_at=new.accepted_at,
    )
