"""An accepted entry becomes a listing: what every wing that stores entries shares (intake for
pushes and uploads, lifecycle for the listings it derives)."""

from __future__ import annotations

from datetime import datetime

from gateway_client.contract import (
    Listing,
    ListingEntry,
    classify,
    entry_version,
    identity_of,
)


def promote(entry: ListingEntry, region: str, now: datetime) -> Listing:
    """The listing an entry pushed by ``region`` stands for (``origin_problem`` was checked).
    Fields were validated already, so no re-validation."""
    origin = entry.origin_region or region
    fields = {name: getattr(entry, name) for name in ListingEntry.model_fields}
    fields.pop("origin_region")
    return Listing.model_construct(
        **fields,
        origin_region=origin,
        listing_id=identity_of(entry),
        version=entry_version(entry),
        subject_type=classify(entry.credit_code)[1],
        provenances=(region,),
        accepted_at=now,
        listed_at=now,
    )
