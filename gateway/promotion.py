"""An accepted entry becomes a listing: what every wing that stores entries shares (intake for
pushes and uploads, lifecycle for the listings it derives)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.assembly import defaults_of, instance
from gateway_client.contract import (
    Listing,
    ListingEntry,
    classify,
    entry_version,
    identity_of,
)

_ENTRY_FIELDS = tuple(ListingEntry.model_fields)
_ADDED = tuple(name for name in Listing.model_fields if name not in ListingEntry.model_fields)
_GIVEN = ("listing_id", "version", "subject_type", "provenances", "accepted_at", "listed_at")
_DEFAULTS = {name: value for name, value in defaults_of(Listing).items() if name in _ADDED}
_SET = frozenset(_ENTRY_FIELDS) | {"origin_region", *_GIVEN}


def promote(entry: ListingEntry, region: str, now: datetime) -> Listing:
    """The listing an entry pushed by ``region`` stands for (``origin_problem`` was checked).

    Its fields were validated already, so they are not validated again; the listing is what
    ``Listing.model_construct`` would build from them (``gateway.assembly``: the same fields in
    the same order, the same fields set), without its per-field lookups, which were most of the
    cost of promoting an entry (``tests/unit/test_promotion.py`` proves the two equal)."""
    held = entry.__dict__
    fields: dict[str, Any] = (
        dict(held) if type(entry) is ListingEntry else {name: held[name] for name in _ENTRY_FIELDS}
    )
    fields["origin_region"] = entry.origin_region or region
    added = {
        **_DEFAULTS,
        "listing_id": identity_of(entry),
        "version": entry_version(entry),
        "subject_type": classify(entry.credit_code)[1],
        "provenances": (region,),
        "accepted_at": now,
        "listed_at": now,
    }
    fields.update((name, added[name]) for name in _ADDED)  # in the model's field order
    return instance(Listing, fields, _SET)
