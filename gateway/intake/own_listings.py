"""A natural person's decision is listed by each region under an id of its own.

A listing's id derives from the subject's code and the decision, and every masked copy shows
all of it but the middle of a resident ID number. With one id per decision, a region's entry of
a person's decision another region held was refused (``not_listing_owner``, or
``listing_purged`` once retention erased it) while a wrong guessed number was accepted as a new
listing: pushing the candidates completed a masked number (reviews 157, 166). Ids that moved on
along a chain when another held the one before could be filled and counted (reviews 174, 176,
178). So a person's listing's id is keyed with the region it is of (``person_listing_id``,
made when an entry is promoted): no region's entry ever meets another's listing, or its purge.

Listings stored before keep the decision's id, and their purge marks stay on it: an entry of
the region a listing there is of (``origin_region``) goes on updating it, and one whose mark
names that region (or no region: marks made before marks named their owner) is refused as
purged, so a decision once purged is never listed again by the region it belonged to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gateway.lifecycle import Removal
from gateway_client.contract import (
    Listing,
    SubjectType,
    classify,
    identity_of,
    person_listing_id,
)

Purged = Callable[[Sequence[str]], Mapping[str, str]]
"""Which of these listing ids a retention purge erased (the exchange log's permanent mark), each
with the region that owned it then ("" for a mark made before marks named it)."""

Read = Callable[[list[tuple[str, str]]], Mapping[str, Listing]]
_PERSON = SubjectType.NATURAL_PERSON


def is_person(credit_code: str) -> bool:
    return classify(credit_code)[1] is _PERSON


def stored_before(
    pending: Sequence[tuple[int, Listing]], read: Read, purged: Purged
) -> list[tuple[int, Listing]]:
    """The candidates, a person's under the decision's own id where the region it is of holds
    (or held, until purged) its listing there from before person ids were keyed by region."""
    people = [(i, x, identity_of(x)) for i, x in pending if x.subject_type is _PERSON]
    if not people:
        return list(pending)
    held = read([(x.credit_code, decision) for _, x, decision in people])
    absent = [decision for _, _, decision in people if decision not in held]
    gone = purged(absent) if absent else {}
    moved = {
        index: listing.model_copy(update={"listing_id": decision})
        for index, listing, decision in people
        if _theirs(decision, listing.origin_region, held, gone)
    }
    return [(i, moved.get(i, x)) for i, x in pending]


def _theirs(
    decision: str, origin: str, held: Mapping[str, Listing], gone: Mapping[str, str]
) -> bool:
    found = held.get(decision)
    if found is not None:
        return found.origin_region == origin
    return gone.get(decision) in ("", origin)


def removal_ids(
    removals: Sequence[tuple[int, Removal]], region: str, read: Read, purged: Purged
) -> dict[int, str]:
    """By position, the id each removal ends: a person's listing of the region it names
    (``origin_region``; the remover's own by default) under that region's id, or under the
    decision's where the region's listing is stored from before; else the decision's."""
    ids = {index: removal.listing_id for index, removal in removals}
    people = [(i, x) for i, x in removals if is_person(x.credit_code)]
    if not people:
        return ids
    held = read([(x.credit_code, x.listing_id) for _, x in people])
    absent = [x.listing_id for _, x in people if x.listing_id not in held]
    gone = purged(absent) if absent else {}
    for index, removal in people:
        origin = removal.origin_region or region
        if not _theirs(removal.listing_id, origin, held, gone):
            ids[index] = person_listing_id(removal.listing_id, origin)
    return ids
