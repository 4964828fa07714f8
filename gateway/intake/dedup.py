"""Deduplication by credit code: which candidates move a listing forward, which are no-ops."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from gateway.lifecycle import (
    breach_kept,
    checked_status,
    content_version,
    named_before,
    unsettles,
)
from gateway.ownership import may_change
from gateway_client.contract import Listing, ListingEntry


@dataclass
class DedupPlan:
    """``write`` may advance the store (with the version each replaces); ``duplicates`` are
    no-ops; ``tag`` only adds provenance; ``refused`` are held by a region the pusher may not
    act for, and change nothing at all; ``purged`` would list again a listing a retention
    purge erased, and change nothing either; ``settled`` would undo or change the outcome of
    a commitment that has one (kept or broken is final: a black listing may stand on it);
    ``reused`` name the version its content is held at with other content — one version, two
    contents: which is meant cannot be told, and answering ``duplicate`` would tell the
    platform its correction went through; ``stale`` are newer than the content held but not
    than a step the owner took since (a decision, a repair): refused as a removal there is."""

    write: list[tuple[int, Listing, str | None]] = field(default_factory=list)
    duplicates: list[tuple[int, Listing]] = field(default_factory=list)
    tag: list[Listing] = field(default_factory=list)
    refused: list[tuple[int, Listing, Listing]] = field(default_factory=list)
    purged: list[tuple[int, Listing]] = field(default_factory=list)
    settled: list[tuple[int, Listing]] = field(default_factory=list)
    reused: list[tuple[int, Listing]] = field(default_factory=list)
    stale: list[tuple[int, Listing]] = field(default_factory=list)
    misaddressed: list[tuple[int, Listing, Listing]] = field(default_factory=list)
    """Entries naming a region the listing held is not of (``misaddressed``)."""
    checked: list[tuple[int, Listing, tuple[str, str, str]]] = field(default_factory=list)
    """Entries ``plan``'s ``check`` refused: (index, entry, (field, code, message))."""


def carried_over(update: Listing, held: Listing) -> Listing:
    """New content from the source; the owner and lifecycle state (status, objection,
    history, the performance a removal recorded) stay: an update never moves a listing to
    another region. Under an open objection the status is judged on the new content (a grade
    raised to an incentive is not suspended, one lowered to a poor grade is: review 395)."""
    carried = update.model_copy(
        update={
            "origin_region": held.origin_region,
            "status": held.status,
            "objection": held.objection,
            "history": held.history,
            "performed_on": held.performed_on,
            "listed_at": held.listed_at or held.accepted_at,
            "conduct_ended_on": breach_kept(held, update.conduct_ended_on),
            **named_before(held, update.responsible_persons),
        }
    )
    return carried.model_copy(update={"status": checked_status(carried)})


_ENTRY = tuple(name for name in ListingEntry.model_fields if name != "origin_region")


def same_entry(a: Listing, b: Listing) -> bool:
    """Whether two listings carry the same entry (what the source pushed; who it came from
    aside): compared field by field, no dump (a resync's every unchanged line asks)."""
    return all(getattr(a, name) == getattr(b, name) for name in _ENTRY)


Check = Callable[[Listing, Listing], tuple[str, str, str] | None]
"""What refuses an entry that would update a listing the pusher may change, held as the second
argument (stored, or as an earlier entry of the batch would have stored it): (field, code,
message), or None (``storing``: a person's retention over, a period made longer)."""


def plan(
    candidates: Sequence[tuple[int, Listing]],
    stored: Mapping[str, Listing],
    region: str,
    relays_subregions: bool,
    purged: Set[str] = frozenset(),
    check: Check | None = None,
) -> DedupPlan:
    """Decide each candidate against what is stored. A held listing the pushing ``region``
    does not own is refused whatever its version: an older copy must not even add provenance.

    A listing's entries are taken in the order given (a file's lines in file order), each
    judged against what the store would hold by its turn had they been sent one after
    another: the stored listing, or the batch's entry that would have been written last
    (review 375: judged against what was stored before the batch, an older entry given after
    a newer one was ``version_reused`` or ``stale_version`` in one push and a duplicate in
    two, so a resync's removals depended on where its batches were cut; and a commitment's
    outcome, a person's retention and a period's length were judged apart). Only the last
    entry that would have been written is written; those it supersedes are duplicates.

    ``purged`` are ids a retention purge erased (of those not held). Ids derive from the
    decision, so the same decision pushed again gets the purged id back; stored anew it would
    hold the person's data again while its log entries and deliveries stay withheld as erased
    (``gateway.delivery.withholding``). Such a candidate is refused, every copy of it."""
    result = DedupPlan()

    def may(held: Listing) -> bool:
        return may_change(held.origin_region, region, relays_subregions)

    grouped: dict[str, list[tuple[int, Listing]]] = {}
    for x in _addressed(candidates, stored, region, may, result, purged):
        grouped.setdefault(x[1].listing_id, []).append(x)
    for lid, entries in grouped.items():
        held = stored.get(lid)
        if held is None and lid in purged:
            result.purged += entries
        elif held is not None and not may(held):
            result.refused += [(i, x, held) for i, x in entries]
        else:
            _one_after_another(held, sorted(entries, key=lambda x: x[0]), result, region, check)
    return result


def _one_after_another(
    held: Listing | None,
    entries: Sequence[tuple[int, Listing]],
    result: DedupPlan,
    region: str,
    check: Check | None,
) -> None:
    """One listing's entries (the pusher may change it), in order, as if sent one by one."""
    kept: Listing | None = held  # what the store would hold by each entry's turn
    standing: tuple[int, Listing] | None = None  # the batch's entry it would be
    repeated: Listing | None = None  # an entry that only repeats the listing held
    for index, listing in entries:
        if kept is not None and listing.version <= kept.version:
            taken = _taken(result, listing, kept)  # an old message, or one version reused
            (result.duplicates if taken is None else taken).append((index, listing))
            repeated = listing if taken is None and standing is None else repeated
            continue
        # a person's retention over comes first, as for any update (review 379 F3)
        if kept is not None and check is not None and (why := check(listing, kept)):
            result.checked.append((index, listing, why))
            continue
        if kept is not None and unsettles(kept, listing):
            result.settled.append((index, listing))  # kept or broken is final
            continue
        if standing is not None:
            result.duplicates.append(standing)  # superseded within the batch
        standing = (index, listing)
        # over what would be stored by then: persons named before, a breach's end (379 F1)
        kept = listing if kept is None else carried_over(listing, kept)
    if standing is not None and kept is not None:
        result.write.append((standing[0], kept, None if held is None else held.version))
    elif held is not None and repeated is not None and region not in held.provenances:
        result.tag.append(repeated)


def _addressed(
    candidates: Sequence[tuple[int, Listing]],
    stored: Mapping[str, Listing],
    region: str,
    may: Callable[[Listing], bool],
    result: DedupPlan,
    purged: Set[str],
) -> list[tuple[int, Listing]]:
    """The candidates but those naming (``origin_region``) a region other than the pusher and
    the one the listing is of — held, else as the batch's first entry of it names — each
    refused (``result.misaddressed``) before the batch's newest is chosen, so none stands in
    for a right one (review 208). A company's decision has one id whoever lists it, so a relay
    naming the wrong county would otherwise rewrite the other county's listing, answered
    ``accepted`` (review 207), as a removal naming it is a miss (``removal_batch``). Naming no
    region, or the pusher itself, is the pusher acting for what it may change. A listing the
    pusher may not change is left to ``plan``, which refuses every entry of it alike."""
    of: dict[str, Listing] = {}
    for _, listing in candidates:
        of.setdefault(listing.listing_id, stored.get(listing.listing_id) or listing)
    kept = []
    for index, listing in candidates:
        owner = of[listing.listing_id]
        held = stored.get(listing.listing_id)
        erased = held is None and listing.listing_id in purged  # every copy refused so (381)
        if listing.origin_region in (region, owner.origin_region) or (held and not may(held)):
            # a listing not held is the region its first entry names, whatever a later one
            # naming none says, as if they came one after another (review 211: it became the
            # relay's own); one held keeps its region anyway (``carried_over``)
            made = listing.model_copy(update={"origin_region": owner.origin_region})
            kept.append((index, made if held is None else listing))
        elif erased:
            kept.append((index, listing))
        else:
            result.misaddressed.append((index, listing, owner))
    return kept


def _taken(result: DedupPlan, listing: Listing, held: Listing) -> list[tuple[int, Listing]] | None:
    """Where an entry no newer than the version held is refused when its content is other:
    ``reused`` at its content's version, ``stale`` at one up to a step the owner took since (a
    decision, a repair) — never silently dropped (reviews 47e F2, 83 F3), in a batch's older
    entries too (review 90 F3); None when it is just an old message. ``held`` is what would be
    held by the entry's turn: an earlier entry of the batch has no step since."""
    content = content_version(held)
    if not content <= listing.version <= held.version or _held_as_is(listing, held):
        return None
    return result.reused if listing.version == content else result.stale


def _held_as_is(listing: Listing, held: Listing) -> bool:
    """Whether ``listing`` is what ``held`` holds, as it would be stored over it: the breach
    a broken promise's black listing keeps as its conduct's end is the gateway's, not what
    the owner pushed (review 381: the owner's correction sent again was ``version_reused``)."""
    return same_entry(listing, held) or same_entry(carried_over(listing, held), held)
