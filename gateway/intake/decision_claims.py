"""Decision claims: which region listed a natural person under a decision (review 157).

A listing's id is the code with fields every masked copy shows, so a region holding a masked
copy of another's listing of a person could push the same decision under each number the mask
leaves open: the right one met the listing ("not yours", or "purged" once retention erased it)
and each wrong one was accepted as a new listing — a full ID number read off the answers, as
review 35 found for removals. A claim is keyed by the decision and the number *as masked*
(``decision_claim``), so every number sharing the mask meets it: the owner's chain may list
under it (its own next person of that mask, a relay of it), and any other region is refused
alike for the right number and the wrong ones, the owner unnamed. It is written before the
first such listing is, and kept after a purge (it holds a keyed digest and a region code, no
personal data): the erased number stays unguessable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from gateway.ownership import may_change
from gateway.recognition import is_natural_person
from gateway_client.contract import Listing, decision_claim, mask

DECISION_ELSEWHERE = "decision_of_another_region"
ELSEWHERE_MESSAGE = (
    "another region listed this decision for a person of this masked number: a region lists "
    "its own authorities' decisions, and a listing of one is changed only by its owner"
)


class DecisionClaims(Protocol):
    def owners(self, keys: Sequence[str]) -> dict[str, str]:
        """The region each claimed key belongs to (keys not claimed are left out)."""
        ...

    def claim(self, claims: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Claim each (key, region) unless the key is claimed; each key's owner after."""
        ...


def claim_of(listing: Listing) -> str | None:
    """The claim a listing of a natural person stands under; ``None`` for an organisation's,
    whose code is no secret."""
    if not is_natural_person(listing.credit_code):
        return None
    return decision_claim(
        mask(listing.credit_code),
        listing.kind,
        listing.domain,
        listing.deciding_authority,
        listing.decision_number,
    )


def elsewhere(
    pending: Sequence[tuple[int, Listing]],
    current: Mapping[str, Listing],
    claims: DecisionClaims,
    region: str,
    relays: bool,
) -> set[int]:
    """The candidates of natural persons ``region`` may not list: held by a region it may not
    act for, or (not held) under a claim of one. Its own listings are left to dedup."""
    refused: set[int] = set()
    open_claims: dict[int, str] = {}
    for index, listing in pending:
        key = claim_of(listing)
        if key is None:
            continue
        held = current.get(listing.listing_id)
        if held is None:
            open_claims[index] = key
        elif not may_change(held.origin_region, region, relays):
            refused.add(index)
    owners = claims.owners(sorted(set(open_claims.values()))) if open_claims else {}
    for index, key in open_claims.items():
        owner = owners.get(key)
        if owner is not None and not may_change(owner, region, relays):
            refused.add(index)
    return refused


def claimed(
    new: Sequence[tuple[int, Listing]], claims: DecisionClaims, region: str, relays: bool
) -> set[int]:
    """Claim the decisions of new listings of natural persons for their owners, before they
    are written; the candidates another region claimed first (meanwhile), to refuse."""
    keyed = [(index, key, x.origin_region) for index, x in new if (key := claim_of(x))]
    if not keyed:
        return set()
    owners = claims.claim(sorted({(key, owner) for _, key, owner in keyed}))
    return {index for index, key, _ in keyed if not may_change(owners[key], region, relays)}


def claim_held(listings: Sequence[Listing], claims: DecisionClaims) -> None:
    """Claim the decisions of persons' listings stored before claims were made (the due
    backfill's pages), each for its owner; a claim made since stays as it is."""
    keyed = sorted({(key, x.origin_region) for x in listings if (key := claim_of(x))})
    if keyed:
        claims.claim(keyed)
