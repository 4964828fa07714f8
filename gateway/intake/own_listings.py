"""A region's own listing of a person's decision that another region holds: stored apart.

A listing's id derives from the subject's code and the decision, and every masked copy shows
all of it but the middle of a resident ID number. Refusing a region's entry because another
region holds (or held, until retention purged it) that id answered a guessed number right
(``not_listing_owner``, ``listing_purged``) and a wrong one otherwise (accepted, a new
listing): a few thousand pushes completed a masked number (reviews 157, 166). So a person's
entry the pusher may not store under that id is stored as the pusher's own listing under its
``regional_listing_id`` — accepted as any wrong guess would be, nobody else's listing touched
or blocked. A company's code is no secret: its entries are still refused by name.

A purge mark made before marks named their owner counts as anyone's (refused as purged, as
before), so a decision once purged is never listed again by the region it belonged to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gateway.lifecycle import Removal
from gateway.ownership import may_change
from gateway_client.contract import (
    Listing,
    SubjectType,
    classify,
    identity_of,
    regional_listing_id,
)

Purged = Callable[[Sequence[str]], Mapping[str, str]]
"""Which of these listing ids a retention purge erased (the exchange log's permanent mark), each
with the region that owned it then ("" for a mark made before marks named it)."""


def _elsewhere(owner: str | None, region: str, relays: bool) -> bool:
    return bool(owner) and not may_change(owner or "", region, relays)


def own_ids(
    pending: Sequence[tuple[int, Listing]],
    held: Mapping[str, Listing],
    gone: Mapping[str, str],
    region: str,
    relays: bool,
) -> dict[int, Listing]:
    """By position, the person candidates to store under the pusher's own id instead: the
    decision's id is held by a region ``region`` may not act for, or was purged from one
    (``gone``: purge marks of the ids not held). A candidate already under its own id stays:
    its id is no longer the decision's."""
    moved: dict[int, Listing] = {}
    for index, listing in pending:
        if listing.subject_type is not SubjectType.NATURAL_PERSON:
            continue
        found = held.get(listing.listing_id)
        owner = found.origin_region if found is not None else gone.get(listing.listing_id)
        if _elsewhere(owner, region, relays) and listing.listing_id == identity_of(listing):
            own = regional_listing_id(listing.listing_id, listing.origin_region)
            moved[index] = listing.model_copy(update={"listing_id": own})
    return moved


def removal_ids(
    removals: Sequence[tuple[int, Removal]],
    read: Callable[[list[tuple[str, str]]], Mapping[str, Listing]],
    region: str,
    relays: bool,
) -> dict[int, str]:
    """By position, the id each removal ends: the decision's, or for a person's decision whose
    id is not the remover's to change (another's, or held by none) the remover's own listing
    of it where it holds one. (A relaying ancestor removing its sub-region's own copy does not
    find it: a removal names no origin; the sub-region, or the ancestor's resync, removes it.)"""
    held = read([(x.credit_code, x.listing_id) for _, x in removals])
    ids = {index: removal.listing_id for index, removal in removals}
    own = {
        index: regional_listing_id(removal.listing_id, region)
        for index, removal in removals
        if classify(removal.credit_code)[1] is SubjectType.NATURAL_PERSON
        and not _changeable(held.get(removal.listing_id), region, relays)
    }
    if own:
        found = read([(x.credit_code, own[i]) for i, x in removals if i in own])
        ids.update({index: x for index, x in own.items() if x in found})
    return ids


def _changeable(held: Listing | None, region: str, relays: bool) -> bool:
    return held is not None and may_change(held.origin_region, region, relays)
