"""A person's decision another region holds: the pusher's listing of it goes under a next id.

A listing's id derives from the subject's code and the decision, and every masked copy shows
all of it but the middle of a resident ID number. Refusing a region's entry because another
region holds (or held, until retention purged it) that id answered a guessed number right
(``not_listing_owner``, ``listing_purged``) and a wrong one otherwise (accepted, a new
listing): a few thousand pushes completed a masked number (reviews 157, 166). So a person's
entry goes along the decision's ids (``decision_ids``: each ``next_listing_id`` of the one
before, derived from the id alone) to the first held by the region the entry is of, or else
the first none holds: every region meets the ids after another's exactly as it would meet
them for a number nobody listed, so no answer, count or id tells the two apart (review 174:
ids derived per origin answered a relay's two entries of one guess differently; review 176: a
relay's entry for one county landed on a sibling's listing). A company's code is no secret:
its entries are refused by name, as before.

A purge mark made before marks named their owner stops the walk (refused as purged, as
before), so a decision once purged is never listed again by the region it belonged to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from gateway.lifecycle import STANDING, Removal, as_on
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


def _owner(listing_id: str, held: Mapping[str, Listing], gone: Mapping[str, str]) -> str | None:
    found = held.get(listing_id)
    return found.origin_region if found is not None else gone.get(listing_id)


def own_ids(
    pending: Sequence[tuple[int, Listing]],
    held: Mapping[str, Listing],
    gone: Mapping[str, str],
) -> dict[int, Listing]:
    """By position, the person candidates to move one id on: their id is held by another
    region than the one the entry is of (its ``origin_region``), or was purged from one
    (``gone``: purge marks of the ids not held; one naming no owner stops it, refused as
    purged). So a relay's entry for one county reaches that county's listing, not a sibling's
    holding an earlier id (review 176). ``store`` reads the new ids and asks again."""
    return {
        index: listing.model_copy(update={"listing_id": next_listing_id(listing.listing_id)})
        for index, listing in pending
        if listing.subject_type is SubjectType.NATURAL_PERSON
        and (owner := _owner(listing.listing_id, held, gone))
        and owner != listing.origin_region
    }


def removal_ids(
    removals: Sequence[tuple[int, Removal]],
    read: Read,
    purged: Purged,
    acting: tuple[str, bool, date],
) -> dict[int, str]:
    """By position, the id each removal ends: the decision's, or for a person's decision the
    first of ``decision_ids`` in force that the remover (``acting``: its region, relay policy
    and today) may act on — else the first it may act on, ended already (``duplicate``), else
    the first none holds (``unknown_listing``, as for any wrong number). A removal names no
    origin: a relay's second removal reaches its second county's listing (review 176)."""
    region, relays, today = acting
    ids = {index: removal.listing_id for index, removal in removals}
    ended: dict[int, str] = {}
    standing: set[int] = set()
    walking = [(i, x) for i, x in removals if is_person(x.credit_code)]
    for _ in range(HOPS):
        if not walking:
            break
        held = read([(x.credit_code, ids[i]) for i, x in walking])
        absent = [ids[i] for i, _ in walking if ids[i] not in held]
        gone = purged(absent) if absent else {}
        onward = []
        for index, removal in walking:
            found, owner = held.get(ids[index]), _owner(ids[index], held, gone)
            mine = owner is not None and (not owner or may_change(owner, region, relays))
            if found is not None and mine:
                if as_on(found, today).status in STANDING:
                    standing.add(index)
                    continue
                ended.setdefault(index, ids[index])  # ended already: one later may stand
            elif owner is None or mine:
                continue  # an id none holds, or purged from the remover's own
            onward.append((index, removal))
            ids[index] = next_listing_id(ids[index])
        walking = onward
    return {**ids, **{i: first for i, first in ended.items() if i not in standing}}
