"""Deduplication by credit code: which candidates move a listing forward, which are no-ops."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from gateway.lifecycle import breach_kept, content_version, named_before, unsettles
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


def _first_outcomes_stand(
    newest: dict[str, tuple[int, Listing]],
    losers: list[tuple[int, Listing]],
    result: DedupPlan,
    stored: Mapping[str, Listing],
    may: Callable[[Listing], bool],
) -> list[tuple[int, Listing]]:
    """One batch settling a commitment and, in a later entry, giving it another outcome: as if
    its entries were sent one after another in the order given (a file's lines in file order,
    as its ranges and batches reach the store), the first outcome stands — the last entry
    that would have been stored becomes the batch's candidate (in ``newest``) — and each entry
    that would have changed it is refused (``result.settled``), never answered ``duplicate``
    (review 46k). So where the batch boundaries of an upload fall changes nothing (review 374
    F5: the oldest version's outcome stood, while the same lines in two batches kept the
    first line's). The first outcome is the one held, if the commitment held has one; an
    entry no newer than what would be held by then is an old message, a no-op as ever, which
    settles nothing and stands against nothing (reviews 87 F2, 89 F4: an old outcome refused
    the owner's newer one, or a correction, which was lost). A listing the pusher may not
    change (``may``) is left to ``plan``, which refuses every entry of it alike: judged here,
    its held outcome would show through (review 90 F2). The other entries."""
    grouped: dict[str, list[tuple[int, Listing]]] = {}
    for x in losers:
        grouped.setdefault(x[1].listing_id, []).append(x)
    rest: list[tuple[int, Listing]] = []
    for lid, older in grouped.items():
        held = stored.get(lid)
        if held is not None and not may(held):
            rest += older
            continue
        batch_newest = newest[lid]
        stands, refused = _one_after_another(
            held, sorted([*older, batch_newest], key=lambda x: x[0])
        )
        if not refused:
            rest += older
            continue
        if stands is not None:
            newest[lid] = stands
        # else every fresh entry changes the outcome held, and ``plan`` refuses the newest so
        result.settled += [x for x in refused if x is not newest[lid]]
        rest += [x for x in [*older, batch_newest] if x is not newest[lid] and x not in refused]
    return rest


def _one_after_another(
    held: Listing | None, entries: Sequence[tuple[int, Listing]]
) -> tuple[tuple[int, Listing] | None, list[tuple[int, Listing]]]:
    """The entry the store would hold last (None: still ``held``) and those refused for
    changing a recorded outcome, had ``entries`` been sent one by one in this order."""
    current, stands, refused = held, None, []
    for x in entries:
        if current is not None and x[1].version <= current.version:
            continue  # an old message
        if current is not None and unsettles(current, x[1]):
            refused.append(x)
            continue
        current, stands = x[1], x
    return stands, refused


def carried_over(update: Listing, held: Listing) -> Listing:
    """New content from the source; the owner and lifecycle state (status, objection,
    history, the performance a removal recorded) stay: an update never moves a listing to
    another region."""
    return update.model_copy(
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


_ENTRY = tuple(name for name in ListingEntry.model_fields if name != "origin_region")


def same_entry(a: Listing, b: Listing) -> bool:
    """Whether two listings carry the same entry (what the source pushed; who it came from
    aside): compared field by field, no dump (a resync's every unchanged line asks)."""
    return all(getattr(a, name) == getattr(b, name) for name in _ENTRY)


def plan(
    candidates: Sequence[tuple[int, Listing]],
    stored: Mapping[str, Listing],
    region: str,
    relays_subregions: bool,
    purged: Set[str] = frozenset(),
) -> DedupPlan:
    """Decide each candidate against what is stored. A held listing the pushing ``region``
    does not own is refused whatever its version: an older copy must not even add provenance.

    ``purged`` are ids a retention purge erased (of those not held). Ids derive from the
    decision, so the same decision pushed again gets the purged id back; stored anew it would
    hold the person's data again while its log entries and deliveries stay withheld as erased
    (``gateway.delivery.withholding``). Such a candidate is refused, every copy of it."""
    result = DedupPlan()

    def may(held: Listing) -> bool:
        return may_change(held.origin_region, region, relays_subregions)

    newest, losers = collapse(_addressed(candidates, stored, region, may, result))

    if any(listing.commitment is not None for _, listing in losers):
        losers = _first_outcomes_stand(newest, losers, result, stored, may)
    for index, listing in losers:
        # judged as if sent alone first — whose it is, whether erased, what is held — and only
        # then against the batch's newest, which is written only if newer than what is held
        # (review 370: a resend of the held content after a reused entry was version_reused,
        # and every entry after the first of another region's listing too)
        held = stored.get(listing.listing_id)
        winner = newest[listing.listing_id][1]
        if held is None and listing.listing_id in purged:
            result.purged.append((index, listing))
        elif held is not None and not may(held):
            result.refused.append((index, listing, held))
        elif held is not None and listing.version <= held.version:
            taken = _taken(result, listing, held)
            (result.duplicates if taken is None else taken).append((index, listing))
        elif listing.version == winner.version and not same_entry(listing, winner):
            result.reused.append((index, listing))  # one batch, one version, two contents
        else:
            result.duplicates.append((index, listing))
    for index, listing in newest.values():
        held = stored.get(listing.listing_id)
        if held is None:
            if listing.listing_id in purged:
                result.purged.append((index, listing))
            else:
                result.write.append((index, listing, None))
            continue
        if not may_change(held.origin_region, region, relays_subregions):
            result.refused.append((index, listing, held))
            continue
        if listing.version > held.version and unsettles(held, listing):
            result.settled.append((index, listing))
            continue
        if listing.version > held.version:
            result.write.append((index, carried_over(listing, held), held.version))
            continue
        if (taken := _taken(result, listing, held)) is not None:
            taken.append((index, listing))
            continue
        result.duplicates.append((index, listing))
        if region not in held.provenances:
            result.tag.append(listing)
    return result


def _addressed(
    candidates: Sequence[tuple[int, Listing]],
    stored: Mapping[str, Listing],
    region: str,
    may: Callable[[Listing], bool],
    result: DedupPlan,
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
        if listing.origin_region in (region, owner.origin_region) or (held and not may(held)):
            # a listing not held is the region its first entry names, whatever a later one
            # naming none says, as if they came one after another (review 211: it became the
            # relay's own); one held keeps its region anyway (``carried_over``)
            made = listing.model_copy(update={"origin_region": owner.origin_region})
            kept.append((index, made if held is None else listing))
        else:
            result.misaddressed.append((index, listing, owner))
    return kept


def _taken(result: DedupPlan, listing: Listing, held: Listing) -> list[tuple[int, Listing]] | None:
    """Where an entry no newer than the version held is refused when its content is other:
    ``reused`` at its content's version, ``stale`` at one up to a step the owner took since (a
    decision, a repair) — never silently dropped (reviews 47e F2, 83 F3), in a batch's older
    entries too (review 90 F3); None when it is just an old message."""
    content = content_version(held)
    if not content <= listing.version <= held.version or same_entry(listing, held):
        return None
    return result.reused if listing.version == content else result.stale
