"""A listing item's ``doc``: the listing's JSON, less what the item already holds as attributes.

Every listing is written once per version, so its item's size is what an ingest pays: DynamoDB
charges a write unit per started KB (item size = attribute names + values). The document leaves
out the fields the item keeps as attributes of their own for its key, conditions and indexes
(credit code, listing id, version, status, kind, domain, origin region; provenances were always
a set apart), and the fields that hold nothing (``None`` or an empty list, where that is the
field's default). The bench's synthetic entry's item shrinks from 1,152 bytes to about 850:
one write unit instead of two.

Reading fills the document's gaps from the attributes, the document winning where both have a
field: an item written before this shape (its document whole) reads exactly as it did, and a
stream image (NEW_AND_OLD_IMAGES carries every attribute) reads like the item. Only ``None``
and ``()`` defaults are left out, never a default that means something (``source_sequence``
0, an objection's ``counted_from``): changing one of those later must not reinterpret stored
listings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gateway_client.contract import Listing

KEPT_APART = ("credit_code", "listing_id", "version", "status", "kind", "domain", "origin_region")
"""The fields the item stores as attributes of their own, with the same value as the listing's."""

_APART = frozenset({*KEPT_APART, "provenances"})
_EMPTY_BY_DEFAULT = tuple(
    (name, field.default)
    for name, field in Listing.model_fields.items()
    if name not in _APART and (field.default is None or field.default == ())
)


def stored_doc(listing: Listing) -> str:
    """The compact JSON the item's ``doc`` holds (pydantic writes no whitespace)."""
    empty = (name for name, default in _EMPTY_BY_DEFAULT if getattr(listing, name) == default)
    return listing.model_dump_json(exclude={*_APART, *empty})


def listing_from_item(item: dict[str, Any]) -> Listing:
    """Rebuild a listing from a stored item or a stream image (both in attribute-value form),
    of either shape: its document whole (before the shape above) or without the attributes."""
    apart = {name: item[name]["S"] for name in KEPT_APART if name in item}
    provenances = sorted(item.get("provenances", {}).get("SS", []))
    doc = json.loads(item["doc"]["S"])
    return Listing.model_validate({**apart, **doc, "provenances": provenances})


def provenances_as_read(read: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """A condition that the item's provenances are still ``read`` (a set's equality; none:
    absent), and its values: whoever replaces them overwrites no relay tag landing meanwhile."""
    if not read:
        return "attribute_not_exists(provenances)", {}
    return "provenances = :read", {":read": {"SS": sorted(read)}}
