"""Entries become listings and reach the store: shared by pushes and bulk uploads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gateway.codes import classify
from gateway.dedup import plan
from gateway.listing import Listing, ListingEntry, entry_version, identity_of
from gateway.ports import ListingStore
from gateway.regions import within

RACE_RETRIES = 3


@dataclass
class Stored:
    """What happened to each candidate, by its position in the request (index or line)."""

    accepted: list[tuple[int, Listing]] = field(default_factory=list)
    duplicates: list[tuple[int, Listing]] = field(default_factory=list)


def origin_problem(entry: ListingEntry, region: str, relays: bool) -> tuple[str, str] | None:
    """(code, message) when ``region`` may not push this entry: its origin lies outside the
    region's subtree, or the region's policy is not to relay its sub-regions' listings."""
    origin = entry.origin_region or region
    if not within(origin, region):
        return "region_not_permitted", f"{region} may act for its own subtree only, not {origin}"
    if origin != region and not relays:
        return (
            "relay_not_permitted",
            f"{region} does not relay its sub-regions' listings; {origin} pushes its own",
        )
    return None


def promote(entry: ListingEntry, region: str, now: datetime) -> Listing:
    """The listing an entry pushed by ``region`` stands for (``origin_problem`` was checked).
    Fields were validated already, so no re-validation."""
    origin = entry.origin_region or region
    fields = {name: getattr(entry, name) for name in ListingEntry.model_fields}
    fields.pop("origin_region")
    return Listing.model_construct(
        **fields,
        origin_region=origin,
        listing_id=identity_of(entry),
        version=entry_version(entry),
        subject_type=classify(entry.credit_code)[1],
        provenances=(region,),
        accepted_at=now,
        listed_at=now,
    )


def store(
    listings: ListingStore,
    candidates: Sequence[tuple[int, Listing]],
    region: str,
    bulk: bool = False,
) -> Stored:
    """Dedup and write; a write that loses a race is planned again against what won.

    ``bulk`` creates listings the store does not hold yet in batches, without a condition:
    only updates of held listings need compare-and-set (a lifecycle action or a newer version
    may land meanwhile). Two sources creating the same listing at the same instant is the race
    left: the next push of the newer version puts it right.
    """
    result = Stored()
    pending = list(candidates)
    for _ in range(RACE_RETRIES):
        if not pending:
            break
        keys = [(listing.credit_code, listing.listing_id) for _, listing in pending]
        decided = plan(pending, listings.current(keys), region)
        if decided.tag:
            listings.add_provenance([(x.credit_code, x.listing_id) for x in decided.tag], region)
        fresh = [x for _, x, held in decided.write if bulk and held is None]
        created = listings.create(fresh, region) if fresh else set()
        updates = [(x, held) for _, x, held in decided.write if x.listing_id not in created]
        written = created | listings.write(updates, region)
        result.duplicates += decided.duplicates
        result.accepted += [(i, x) for i, x, _ in decided.write if x.listing_id in written]
        pending = [(i, x) for i, x, _ in decided.write if x.listing_id not in written]
    result.duplicates += pending
    return result
