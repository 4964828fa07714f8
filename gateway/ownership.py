"""Who owns a listing: the one rule every write path asks before it changes stored data.

A listing belongs to the region that listed it (its ``origin_region``: the pushing platform, or
the county a permitted relay names). Only that region, an ancestor that relays its sub-regions'
listings (``relays_subregions``), or the operator may update, remove, decide on or repair it.
Provenance is a record of who relayed a listing, never a grant: that is what once let a foreign
region take a listing over by pushing an old copy of it.
"""

from __future__ import annotations

from gateway_client.contract import NATION, ForbiddenError, within

NOT_OWNER = "not_listing_owner"
GATEWAY = "gateway"  # the actor of the steps the gateway takes itself (expiry, its own listings)


class NotListingOwner(ForbiddenError):
    """The region neither listed this listing nor relays for the region that did."""

    code = NOT_OWNER
    default_path = "listing_id"


def relay_allowed(region: str, relays_subregions: bool) -> bool:
    """The region's relay policy, except that the nation never relays: as every listing's
    ancestor it would own them all (the registry refuses it too; this holds for any caller)."""
    return relays_subregions and region != NATION


def may_change(origin_region: str, region: str, relays_subregions: bool) -> bool:
    """True for the owner itself, or an ancestor of it whose policy is to relay."""
    if region == origin_region:
        return True
    return relay_allowed(region, relays_subregions) and within(origin_region, region)


def not_owner_message(region: str, origin_region: str) -> str:
    return (
        f"the listing belongs to {origin_region}; {region} may change only listings of its own "
        "or, where it relays, of its sub-regions"
    )
