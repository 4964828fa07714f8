"""The operator gives a listing to the region that made its decision (review 54b).

Listing ids derive from the decision (code, kind, domain, authority, number), not from who
pushed it, so a region with no right to a decision that pushes it first owns it, and the
deciding region's own pushes are refused ``not_listing_owner``. An objection decided
``corrected`` by the operator moves a listing still in force; once the squatter has ended its
copy (revoked it, say), no objection can be filed, and a push keeps a held listing's status:
the decision would be locked out for good. A reassignment moves the listing in force or ended,
and puts the deciding region's entry in force, as one step like any (subscribers hear it
``reinstated`` or ``updated``, the audience the new owner's).
"""

from __future__ import annotations

from datetime import datetime

from gateway.lifecycle.corrections import corrected_content, holds
from gateway.lifecycle.requests import Reassignment
from gateway.lifecycle.rules import (
    OPERATOR,
    REHOMED,
    ObjectionOpen,
    _moved,
    _step,
    after,
    refuse_stale,
)
from gateway_client.contract import IN_FORCE, BadRequest, Conflict, Listing, ListingStatus

_REGION = "corrected_entry.origin_region"


class HeldAlready(Conflict):
    """The listing is the named region's already: that region pushes its changes."""

    code = "listing_held_already"
    default_path = _REGION


def given_to(request: Reassignment) -> str:
    """The region a reassignment names: it must name one (400 at its ``origin_region``)."""
    region = request.corrected_entry.origin_region
    if region is None:
        raise BadRequest("a reassignment names the region it gives the listing to", path=_REGION)
    return region


def replayed(listing: Listing, request: Reassignment) -> bool:
    """Whether ``listing`` is the named region's already, holding the entry in force: the
    same reassignment again. Another content there is that region's to push, not a replay
    (``HeldAlready``)."""
    if listing.origin_region != given_to(request):
        return False
    if listing.status in IN_FORCE and holds(listing, request.corrected_entry):
        return True
    raise HeldAlready(
        f"the listing is {listing.origin_region}'s already: it pushes the listing's changes"
    )


def reassign(listing: Listing, request: Reassignment, now: datetime) -> Listing:
    """``listing`` given to the region ``request`` names, with its entry in force (any
    performance a removal recorded goes with the content it ended). An open objection is
    decided first: its ``corrected`` decision may give the listing away itself."""
    objection = listing.objection
    if objection is not None and objection.open:
        raise ObjectionOpen(
            f"objection {objection.objection_id} is open: decide it (a correction by the "
            "operator may give the listing to the region that made the decision)",
            path="objection_id",
        )
    region = given_to(request)
    content = corrected_content(listing, request.corrected_entry, request, rehomed=True)
    refuse_stale(listing, request, "reassignment", replaces=True)
    status = ListingStatus.ACTIVE
    reason = f"reassigned: {request.note}{REHOMED}{listing.origin_region} → {region}"
    return _moved(
        listing,
        after(listing, request),
        now,
        **content,
        status=status,
        performed_on=None,
        history=_step(listing, "reassigned", status, now, OPERATOR, reason),
    )
