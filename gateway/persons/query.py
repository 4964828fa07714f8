"""The person query (落实到人): the listings that name a resident ID number as a responsible
person, each with the person's roles, the listing's status and the measures aimed at them.

Who sees what is the one-stop query's rule (``gateway.recognition.disclosure``), listing by
listing; a listing the asker may not see is left out, and when none is left the answer is the
same as for a number never listed. Measures are the asking region's (``as_region``, else the
region whose key signed), recognised as for a delivery to it, narrowed to those that reach the
person's roles (``Measure.person_roles``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import Field

from gateway.lifecycle import as_on
from gateway.persons.index import resident_id
from gateway.recognition import (
    LISTINGS_PAGE,
    Agreement,
    Disclosure,
    ListingsPage,
    Viewer,
    disclosure,
    held_back,
    recognise,
    shown,
    yielded,
)
from gateway_client.contract import (
    BadRequest,
    ExistingRegion,
    Frozen,
    Listing,
    ListingStatus,
    NotRecognised,
    PersonMeasure,
    PersonRole,
    Purpose,
    Suspension,
    mask,
    person_measures,
    requested_code,
)


class PersonQuery(Frozen):
    """The signed body of ``POST /v1/persons/query``: a number never travels in a URL."""

    id_number: str = Field(
        min_length=1,
        max_length=40,
        description="the person's resident ID number (GB 11643), in full",
    )
    purpose: Purpose = Field(description="why: recorded in the query trail")
    as_region: ExistingRegion | None = Field(
        default=None,
        description="whose recognition and measures to show; the signing region when absent",
    )
    limit: int = Field(
        default=LISTINGS_PAGE, ge=1, le=LISTINGS_PAGE, description="listings a page shows"
    )
    offset: int = Field(
        default=0, ge=0, le=10**6, description="the `next_offset` of the previous page"
    )


class PersonListing(Frozen):
    listing: Listing = Field(description="as the asker may see it (ID numbers masked or not)")
    roles: tuple[PersonRole, ...] = Field(description="the person's roles in it")
    status: ListingStatus
    recognised: bool | None = Field(description="by `as_region`; null: no region to ask for")
    basis: tuple[str, ...] = ()
    reasons: tuple[NotRecognised, ...] = ()
    measures: tuple[PersonMeasure, ...] = Field(
        description="the measures `as_region` applies that are aimed at the person's roles"
    )
    suspended_measures: tuple[PersonMeasure, ...] = Field(
        default=(),
        description="those held back (a red listing's incentives while its subject has a "
        "black listing in force), with why: `suspended_because`",
    )
    suspended_because: Suspension | None = None


class PersonView(ListingsPage):
    id_number: str = Field(description="masked unless a listing shown shows it in full")
    as_region: str | None
    listings: tuple[PersonListing, ...]


def person_number(value: str, today: date) -> str:
    """The queried number, compacted; 400 ``bad_request`` (path ``id_number``) unless it is a
    full, valid resident ID number — the only kind the index holds — of someone born by
    ``today`` (Beijing), as the one-stop query judges a code (review 274: an unborn number was
    counted against the region's limits and traced, then answered 404).

    Raises
    ------
    BadRequest
    """
    number = resident_id(value)
    if number is None:
        raise BadRequest(
            "id_number is not a full, valid resident ID number (GB 11643)",
            path="id_number",
            reason="not_a_resident_id",
        )
    try:
        requested_code(number, today)  # its birth date, as a code asked for is judged
    except BadRequest as problem:
        raise BadRequest(problem.message, **{**problem.context, "path": "id_number"}) from problem
    return number


def roles_of(listing: Listing, number: str) -> tuple[PersonRole, ...]:
    """The roles in which ``listing`` names ``number`` (none: an index entry gone stale)."""
    return tuple(
        dict.fromkeys(
            p.role for p in listing.responsible_persons if resident_id(p.id_number) == number
        )
    )


def person_view(
    number: str,
    listings: Sequence[Listing],
    viewer: Viewer,
    agreements: Sequence[Agreement],
    on: date,
    as_region: str | None = None,
    subjects: Mapping[str, Sequence[Listing]] | None = None,
) -> PersonView | None:
    """What ``viewer`` is shown of the listings naming ``number``; ``None`` when nothing, which
    the route answers exactly as for a number never listed. ``subjects``: every listing of the
    subjects of red listings (and incentive grades) among them, by code: their incentives are
    held back while the subject has a black listing in force, as the one-stop query and
    deliveries hold them (``yielded``; review 187)."""
    region = as_region or viewer.region
    shown_listings: list[PersonListing] = []
    in_full = False
    listings = [as_on(x, on) for x in listings]  # what the tick's next run will have expired
    for listing in sorted(listings, key=lambda x: (x.kind, x.decided_on, x.listing_id)):
        roles = roles_of(listing, number)
        how = disclosure(listing, viewer, agreements, on) if roles else None
        if how is None:
            continue
        in_full = in_full or how is Disclosure.FULL
        outcome = recognise(listing, region, agreements, on) if region else None
        subject = [as_on(x, on) for x in (subjects or {}).get(listing.credit_code, (listing,))]
        if outcome is not None:
            outcome = yielded(outcome, listing, subject)
        shown_listings.append(
            PersonListing(
                listing=shown(listing, how),
                roles=roles,
                status=listing.status,
                recognised=outcome.recognised if outcome else None,
                basis=outcome.basis if outcome else (),
                reasons=outcome.reasons if outcome else (),
                measures=person_measures(outcome.measures, roles) if outcome else (),
                suspended_measures=(
                    person_measures(outcome.suspended_measures, roles) if outcome else ()
                ),
                suspended_because=(
                    outcome.suspended_because if outcome else held_back(listing, subject)
                ),
            )
        )
    if not shown_listings:
        return None
    return PersonView(
        id_number=number if in_full else mask(number),
        as_region=region,
        listings=tuple(shown_listings),
    )
