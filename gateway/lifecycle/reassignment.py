"""The operator gives a listing to the region that made its decision (review 54b).

Listing ids derive from the decision (code, kind, domain, authority, number), not from who
pushed it, so a region with no right to a decision that pushes it first owns it, and the
deciding region's own pushes are refused ``not_listing_owner``. An objection decided
``corrected`` by the operator moves a listing still in force; once the squatter has ended its
copy (revoked it, say), no objection can be filed, and a push keeps a held listing's status:
the decision would be locked out for good. A reassignment moves the listing in force or ended,
and puts the deciding region's entry in force, as one step like any (subscribers hear it
``reinstated`` or ``updated``; past recipients too, whatever their filters: a move settles).

The content is the deciding region's, with its own stamp where that is later than anything
the listing held; else the gateway stamps it just after the listing's version
(``stamp_after``), and that is the step's version. Either way nothing made before the
reassignment acts on its content afterwards (an old repair or decision replayed, review 61
F3), and no stamp of the squatter's refuses it (one stamping its pushes ahead of the clock
would otherwise keep the operator out). The deciding region stamps its later messages after
the listing's version, as any owner does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from gateway.lifecycle.corrections import corrected_content, holds, refuse_other_listing
from gateway.lifecycle.in_force import as_on
from gateway.lifecycle.requests import Reassignment
from gateway.lifecycle.rules import (
    STANDING,
    ObjectionOpen,
    _moved,
    _step,
    stamp_after,
)
from gateway_client.contract import (
    IN_FORCE,
    OPERATOR,
    REHOMED,
    BadRequest,
    Conflict,
    Listing,
    ListingStatus,
    entry_version,
    identity_of,
    is_persons,
    person_listing_id,
)

_REGION = "corrected_entry.origin_region"


class HeldAlready(Conflict):
    """The listing is the named region's already: that region pushes its changes."""

    code = "listing_held_already"
    default_path = _REGION


class PurgeUnderWay(Conflict):
    """Retention is erasing the listing: put back in force, it would keep the person stored
    under an erased mark, its deliveries withheld for good."""

    code = "listing_purged"
    default_path = "listing_id"


class PurgedFrom(Conflict):
    """The decision was purged from the named region at the end of its retention: it never
    holds it again, by a push or by the operator's hand."""

    code = "listing_purged"
    default_path = _REGION


def held_once(
    read: Callable[[list[tuple[str, str]]], Mapping[str, Listing]],
    purged: Callable[[Sequence[str]], Mapping[str, str]],
    held: Listing,
    owner: str,
    today: date,
) -> None:
    """Each region lists a person's decision under an id of its own (``person_listing_id``):
    another region's listing given to ``owner`` would sit under an id its pushes and removals
    never reach, beside its own (reviews 174, 176, 178): 409 ``listing_held_already`` — it lists
    the decision itself; this one is ended by an objection. A listing stored before, under the
    decision's id, may be given, unless ``owner`` holds its own in force (409 the same) or the
    decision was purged from it (409 ``listing_purged``)."""
    if not is_persons(held):
        return
    decision = identity_of(held)
    own = person_listing_id(decision, owner)
    if held.listing_id not in (decision, own):
        raise HeldAlready(
            f"this is {held.origin_region}'s own listing of the decision: {owner} lists a "
            "person's decision under its own id (an objection ends this one)"
        )
    if held.listing_id == own:
        return
    if purged([own]).get(own) == owner:
        raise PurgedFrom(f"this decision was purged from {owner} when its retention ran out")
    found = read([(held.credit_code, own)]).get(own)
    if found is not None and as_on(found, today).status in STANDING:
        raise HeldAlready(f"{owner} holds this decision as its own listing {own} already")


def given_to(request: Reassignment) -> str:
    """The region a reassignment names: it must name one (400 at its ``origin_region``)."""
    region = request.corrected_entry.origin_region
    if region is None:
        raise BadRequest("a reassignment names the region it gives the listing to", path=_REGION)
    return region


def replayed(listing: Listing, request: Reassignment) -> bool:
    """Whether ``listing`` is the named region's already, holding the entry in force: the
    same reassignment again (its note aside). Anything else there is that region's to push,
    not a replay (``HeldAlready``)."""
    if listing.origin_region != given_to(request):
        return False
    entry = request.corrected_entry
    refuse_other_listing(listing, entry)
    if listing.status in IN_FORCE and holds(listing, entry):
        return True
    raise HeldAlready(
        f"the listing is {listing.origin_region}'s already, holding other content or ended "
        "since: it pushes the listing's changes"
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
    region, entry = given_to(request), request.corrected_entry
    if entry_version(entry) <= listing.version:
        at, sequence = stamp_after(listing.version)
        entry = entry.model_copy(update={"source_updated_at": at, "source_sequence": sequence})
    instead = "reassign it with the outcome recorded"
    content = corrected_content(listing, entry, entry, rehomed=True, instead=instead)
    status = ListingStatus.ACTIVE
    reason = f"reassigned: {request.note}{REHOMED}{listing.origin_region} → {region}"
    return _moved(
        listing,
        entry_version(entry),
        now,
        **content,
        status=status,
        performed_on=None,
        history=_step(listing, "reassigned", status, now, OPERATOR, reason),
    )
