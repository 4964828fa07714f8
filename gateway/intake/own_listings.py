"""A person's decision another region holds: the pusher's listing of it goes under the next id.

A listing's id derives from the subject's code and the decision, and every masked copy shows
all of it but the middle of a resident ID number. Refusing a region's entry because another
region holds (or held, until retention purged it) that id answered a guessed number right
(``not_listing_owner``, ``listing_purged``) and a wrong one otherwise (accepted, a new
listing): a few thousand pushes completed a masked number (reviews 157, 166). So a person's
entry whose id is held by a region the pusher may not act for goes to the decision's next id
(``next_listing_id``, derived from the id alone), and on along ``decision_ids`` while each is
another's: every region meets the ids after the owner's exactly as it would meet the first
for a number nobody listed — the first there owns it, its relays act on it, the others go on
— so no answer, count or id tells the two apart (review 174: ids derived per origin answered
a relay's two entries of one guess differently). A company's code is no secret: its entries
are refused by name, as before.

A purge mark made before marks named their owner counts as anyone's (refused as purged, as
before), so a decision once purged is never listed again by the region it belonged to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gateway.lifecycle import Removal
from gateway.ownership import may_change
from gateway_client.contract import (
    DECISION_IDS,
    Listing,
    SubjectType,
    classify,
    next_listing_id,
)

Purged = Callable[[Sequence[str]], Mapping[str, str]]
"""Which of these listing ids a retention purge erased (the exchange log's permanent mark), each
with the region that owned it then ("" for a mark made before marks named it)."""

Read = Callable[[list[tuple[str, str]]], Mapping[str, Listing]]
HOPS = DECISION_IDS - 1


def is_person(credit_code: str) -> bool:
    return classify(credit_code)[1] is SubjectType.NATURAL_PERSON


def _elsewhere(owner: str | None, region: str, relays: bool) -> bool:
    """Held (or purged) by a region ``region`` may not act for; "" (an old mark): not."""
    return bool(owner) and not may_change(owner or "", region, relays)


def _owner(listing_id: str, held: Mapping[str, Listing], gone: Mapping[str, str]) -> str | None:
    found = held.get(listing_id)
    return found.origin_region if found is not None else gone.get(listing_id)


def own_ids(
    pending: Sequence[tuple[int, Listing]],
    held: Mapping[str, Listing],
    gone: Mapping[str, str],
    region: str,
    relays: bool,
) -> dict[int, Listing]:
    """By position, the person candidates to move one id on: their id is held by a region
    ``region`` may not act for, or was purged from one (``gone``: purge marks of the ids not
    held). ``store`` reads the new ids and asks again, up to ``HOPS`` times."""
    return {
        index: listing.model_copy(update={"listing_id": next_listing_id(listing.listing_id)})
        for index, listing in pending
        if listing.subject_type is SubjectType.NATURAL_PERSON
        and _elsewhere(_owner(listing.listing_id, held, gone), region, relays)
    }


def removal_ids(
    removals: Sequence[tuple[int, Removal]],
    read: Read,
    purged: Purged,
    region: str,
    relays: bool,
) -> dict[int, str]:
    """By position, the id each removal ends: the decision's, or for a person's decision the
    first of ``decision_ids`` not held (nor purged) by a region the remover may not act for —
    the remover's own listing of it, or an id none holds (``unknown_listing``, as for any
    wrong number)."""
    ids = {index: removal.listing_id for index, removal in removals}
    walking = [(i, x) for i, x in removals if is_person(x.credit_code)]
    for _ in range(HOPS):
        if not walking:
            break
        held = read([(x.credit_code, ids[i]) for i, x in walking])
        absent = [ids[i] for i, _ in walking if ids[i] not in held]
        gone = purged(absent) if absent else {}
        walking = [
            (i, x) for i, x in walking if _elsewhere(_owner(ids[i], held, gone), region, relays)
        ]
        for index, _ in walking:
            ids[index] = next_listing_id(ids[index])
    return ids
