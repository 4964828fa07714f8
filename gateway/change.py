"""Changes: what subscribers hear about when a listing is created or moves forward."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import AwareDatetime

from gateway.listing import Listing, ListingStatus
from gateway.model import Frozen


class ChangeType(StrEnum):
    LISTED = "listed"
    UPDATED = "updated"


class Change(Frozen):
    """One accepted step of one listing; ``change_id`` is the same wherever it is derived."""

    change_id: str
    type: ChangeType
    listing: Listing
    previous_version: str | None
    previous_status: ListingStatus | None
    occurred_at: AwareDatetime


def change_between(new: Listing, old: Listing | None) -> Change | None:
    """The change that moved ``old`` to ``new``; ``None`` when only bookkeeping changed."""
    if old is not None and old.version == new.version:
        return None
    digest = hashlib.sha256(f"{new.listing_id}@{new.version}".encode()).hexdigest()[:32]
    return Change(
        change_id="chg_" + digest,
        type=ChangeType.LISTED if old is None else ChangeType.UPDATED,
        listing=new,
        previous_version=None if old is None else old.version,
        previous_status=None if old is None else old.status,
        occurred_at=new.accepted_at,
    )
