"""Who may act on a listing: its owner's chain, the operator, a region it was delivered to (to
object only), and to whom the operator may give it.

Why a module of its own: every lifecycle action asks this before it reads anything further,
and the answers must be the same for each (a person's listing refused looks absent, whichever
action was tried); the service (``gateway.lifecycle.service``) then takes the step.
"""

from __future__ import annotations

from gateway.lifecycle.requests import ObjectionFiling
from gateway.national import domain_problem, refuse_outside
from gateway.ownership import NotListingOwner, may_change, not_owner_message
from gateway.ports import Receipts, Registry
from gateway_client.contract import (
    OPERATOR,
    BadRequest,
    ForbiddenError,
    Listing,
    NotFound,
    UnknownRegion,
    is_persons,
)

LISTING = "listing_id"  # where a refusal about the listing itself points


class NotARecipient(NotListingOwner):
    """The region neither owns the listing nor received it through a subscription of its own,
    so it has nothing to object to (seed 001 §二(四)6: the regions carrying out the measures)."""

    code = "listing_not_received"


class NationNotGiven(ForbiddenError):
    """The national platform (信用中国) lists only in its own name and changes nothing it did not
    list: it is given no region's listing (review 302: given one, its own full resync ended
    another authority's decision it never held)."""

    code = "region_not_permitted"
    default_path = "corrected_entry.origin_region"


class Actors:
    def __init__(self, registry: Registry, receipts: Receipts | None) -> None:
        self._registry = registry
        self._receipts = receipts  # without: only the owner's chain and the operator may file

    def may_act(self, listing: Listing, region: str | None) -> bool:
        """Whether ``region`` (``None``: the gateway itself) acts for the listing's owner now,
        as ``owner`` judges an acting region: by the registry's relay policy of today, and a
        national source only in its domains (review 219)."""
        if region is None:
            return True
        relays, permitted = self._policy(region)
        return may_change(listing.origin_region, region, relays) and (
            domain_problem(listing.domain, region, permitted) is None
        )

    def _policy(self, region: str) -> tuple[bool, tuple[str, ...]]:
        """The region's relay policy and permitted domains, as registered now."""
        known = self._registry.get_region(region)
        return known is not None and known.relays_subregions, known.domains if known else ()

    def owner(self, listing: Listing, region: str | None, acting: bool = True) -> str:
        """Who acts: the operator (``None``), or a region that owns the listing or relays for
        its owner; any other region is refused before anything is read further. A national
        source ``acting`` on a listing in a domain since taken from it is refused, as its push
        or removal there would be (it may still read it)."""
        if region is None:
            return OPERATOR
        relays, permitted = self._policy(region)
        if not may_change(listing.origin_region, region, relays):
            unseen(listing)
            raise NotListingOwner(not_owner_message(region, listing.origin_region))
        if acting:
            refuse_outside(listing.domain, region, permitted, LISTING)
        return region

    def filer(
        self, listing: Listing, region: str | None, filing: ObjectionFiling
    ) -> tuple[str, bool]:
        """Who files, if they may, and whether the owner thereby has the notice: the owner's
        chain (yes), the operator on the subject's request, or a region whose subscription was
        delivered the listing (no) — a right to object, not to change: the decision stays the
        owner's (``owner``)."""
        if region is None:
            if filing.on_behalf != "subject":
                raise BadRequest("the operator files on the subject's request", path="on_behalf")
            return OPERATOR, False
        known = self._registry.get_region(region)
        if may_change(listing.origin_region, region, known is not None and known.relays_subregions):
            refuse_outside(listing.domain, region, known.domains if known else (), LISTING)
            return region, True
        if self._receipts is None or not self._receipts.received(listing.listing_id, region):
            unseen(listing)
            raise NotARecipient(
                f"{region} was never delivered this listing: only its owner, a region that "
                "received it by subscription, or the operator may object",
                path="listing_id",
            )
        return region, False

    def may_be_given(self, region: str, domain: str, by: str) -> None:
        """The operator gives a listing only to a region that can then push it: registered,
        not the national platform, and a national source only in a domain it may list in (a
        platform's correction never moves it: ``objection_steps``)."""
        if by != OPERATOR:
            return
        known = self._registry.get_region(region)
        path = "corrected_entry.origin_region"
        if known is None:
            raise UnknownRegion(
                f"{region} is not registered: register it before giving it a listing", path=path
            )
        if known.kind == "national_platform":
            raise NationNotGiven(
                f"{region} lists only in its own name: give the listing to "
                "the region whose authority decided it"
            )
        refuse_outside(domain, region, known.domains, path)


def absent(listing_id: str) -> NotFound:
    return NotFound(f"no listing {listing_id} for this credit code", path="listing_id")


def unseen(listing: Listing) -> None:
    """A person's listing refused to a region is answered as if it were not there: a 403 for
    the right number beside a 404 for every wrong one would let a region that knows the listing
    id (from a masked copy) complete the masked number by trying candidates."""
    if is_persons(listing):
        raise absent(listing.listing_id)  # one stored as an organisation's before too (363)
