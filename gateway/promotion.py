"""An accepted entry becomes a listing: what every wing that stores entries shares (intake for
pushes and uploads, lifecycle for the listings it derives)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from gateway.assembly import defaults_of, instance
from gateway_client.contract import (
    Listing,
    ListingEntry,
    SubjectType,
    classify,
    entry_version,
    identity_of,
    person_listing_id,
)

_ENTRY_FIELDS = tuple(ListingEntry.model_fields)
_ADDED = tuple(name for name in Listing.model_fields if name not in ListingEntry.model_fields)
_GIVEN = (
    "listing_id",
    "version",
    "subject_type",
    "provenances",
    "accepted_at",
    "listed_at",
    "id_salt",
)
# the added fields in the model's order, their defaults filled in: each listing's are a copy
_ADDED_TEMPLATE = {name: defaults_of(Listing).get(name) for name in _ADDED}
_SET = frozenset(_ENTRY_FIELDS) | {"origin_region", *_GIVEN}
if not {name for name in _ADDED if name not in defaults_of(Listing)} <= set(_GIVEN):
    raise TypeError("Listing has a required field promote does not fill in")


def fresh_salt() -> str:
    """A listing's own secret for its ID commitment (contract ``masked``): the gateway's, as no
    entry can carry one. Drawn when an entry is promoted, and when a lifecycle step makes the
    next version of a listing stored before salts (``gateway.lifecycle.rules``), so that every
    version made from now on commits to its full ID numbers; a salted listing keeps its own."""
    return secrets.token_hex(16)


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
    fields["origin_region"] = origin = entry.origin_region or region
    added = _ADDED_TEMPLATE.copy()  # in the model's field order
    added["subject_type"] = kind = classify(entry.credit_code)[1]
    decision = identity_of(entry)
    # a person's decision is listed by each region under an id of its own (one stored before
    # such ids keeps the decision's: ``gateway.intake.own_listings``)
    person = kind is SubjectType.NATURAL_PERSON
    added["listing_id"] = person_listing_id(decision, origin) if person else decision
    added["version"] = entry_version(entry)
    added["provenances"] = (region,)
    added["accepted_at"] = now
    added["listed_at"] = now
    added["id_salt"] = fresh_salt()
    fields.update(added)
    return instance(Listing, fields, _SET)
