"""Deduplication by credit code: which candidates move a listing forward, which are no-ops."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gateway.listing import Listing


@dataclass
class DedupPlan:
    """``write`` may advance the store (with the version each replaces); ``duplicates`` are
    no-ops; ``tag`` only adds provenance."""

    write: list[tuple[int, Listing, str | None]] = field(default_factory=list)
    duplicates: list[tuple[int, Listing]] = field(default_factory=list)
    tag: list[Listing] = field(default_factory=list)


def collapse(
    candidates: Sequence[tuple[int, Listing]],
) -> tuple[dict[str, tuple[int, Listing]], list[tuple[int, Listing]]]:
    """Within one batch keep the newest version of each listing; the others are duplicates."""
    newest: dict[str, tuple[int, Listing]] = {}
    losers: list[tuple[int, Listing]] = []
    for index, listing in candidates:
        held = newest.get(listing.listing_id)
        if held is None or listing.version > held[1].version:
            if held is not None:
                losers.append(held)
            newest[listing.listing_id] = (index, listing)
        else:
            losers.append((index, listing))
    return newest, losers


def carried_over(update: Listing, held: Listing) -> Listing:
    """New content from the source; lifecycle state (status, objection, history) stays."""
    return update.model_copy(
        update={
            "status": held.status,
            "objection": held.objection,
            "history": held.history,
            "listed_at": held.listed_at or held.accepted_at,
        }
    )


def plan(
    candidates: Sequence[tuple[int, Listing]], stored: Mapping[str, Listing], region: str
) -> DedupPlan:
    newest, losers = collapse(candidates)
    result = DedupPlan(duplicates=losers)
    for index, listing in newest.values():
        held = stored.get(listing.listing_id)
        if held is None:
            result.write.append((index, listing, None))
            continue
        if listing.version > held.version:
            result.write.append((index, carried_over(listing, held), held.version))
            continue
        result.duplicates.append((index, listing))
        if region not in held.provenances:
            result.tag.append(listing)
    return result
