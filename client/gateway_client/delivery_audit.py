"""The stored deliveries' side of ``verify-log``: each against the leaf it names, restatements
against the logged delivery of the same listing version, full ID numbers against their salt,
order per listing, audience, nothing of a purged listing stored after its tombstone, and
nothing of the person in the tombstone."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import ValidationError

from gateway_client.contract import (
    NATION,
    ChangeType,
    Checkpoint,
    DeliveryPayload,
    Listing,
    canonical,
    entry_hash,
    erases,
    log_entry,
    masked,
    tombstone,
    within,
)
from gateway_client.tlog import HashReader, inclusion_proof, verify_inclusion


def included(leaf_hex: str, sequence: int, latest: Checkpoint, read: HashReader) -> bool:
    index = sequence - 1
    proof = inclusion_proof(index, latest.sequence, read)
    root = bytes.fromhex(latest.root)
    return verify_inclusion(bytes.fromhex(leaf_hex), index, latest.sequence, proof, root)


def _leaves_of(
    delivery: DeliveryPayload, sequence: int, moves_since: datetime | None, named_after: int | None
) -> tuple[str, ...]:
    """The leaf hashes the log may hold for this delivery's change: one, but for a move
    accepted before the gateway's moves cut-over (``contract.moves``: logged by code that
    named no ``moved_from``, or by this code) or with none stated (a gateway from before),
    and not logged after ``named_after`` (what a run verified once its own clock had passed
    the cut-over: the gateway dates a move, and could date one before it); none: it cannot
    be a leaf (a malformed change id or field: no entry ever reads like that)."""
    try:
        entry = log_entry(sequence, delivery.data)
    except ValidationError:
        return ()
    older = moves_since is None or delivery.data.occurred_at < moves_since
    if named_after is not None and sequence > named_after:
        older = False
    if entry.moved_from is None or not older:
        return (entry.hash,)
    return (entry.hash, entry_hash(entry.model_copy(update={"moved_from": None})))


def delivery_problems(
    delivered: Sequence[DeliveryPayload],
    latest: Checkpoint,
    read: HashReader,
    moves_since: datetime | None = None,
    named_after: int | None = None,
    served: Mapping[int, str] | None = None,
) -> list[str]:
    """Each stored delivery's change, as the log records it, must be the leaf it names. Where
    the log served that entry (``served``: sequence → its leaf hash, as its data hashes), the
    delivery is compared with it: one that matches is the entry, whose place in the signed tree
    is the log's to prove (``log_audit``) — a tile served wrong is not the store's fault
    (review 210: it was reported as an altered delivery)."""
    problems: list[str] = []
    entries = served or {}
    for delivery in delivered:
        sequence = delivery.log_sequence or 0
        if sequence > latest.sequence:
            problems.append(
                f"delivery {delivery.delivery_id} names log entry {sequence}, which no signed "
                f"checkpoint covers yet (the latest covers {latest.sequence}): run again later"
            )
            continue
        leaves = _leaves_of(delivery, sequence, moves_since, named_after) if sequence >= 1 else ()
        if sequence in entries:
            matches = entries[sequence] in leaves
        else:
            matches = any(included(leaf, sequence, latest, read) for leaf in leaves)
        if not matches:
            problems.append(
                f"delivery {delivery.delivery_id} differs from log entry {sequence} (altered)"
            )
    return problems


def unlogged_problems(deliveries: Sequence[DeliveryPayload]) -> tuple[tuple[str, ...], list[str]]:
    """Deliveries without a log sequence restate a listing the log holds (a recognition
    change; a listing change without one is a problem of its own): each must carry, byte for
    byte in its public form, the listing a stored logged delivery carried at the same version
    — but for provenances added since: a relay of the same version tags the listing without a
    new version or change (a duplicate), so a later restatement may name more provenances,
    never fewer, and only regions that may relay it (its origin's own chain, up to the
    nation). Those with none stored are only listed: nothing proves them (the ids), against
    those that differ (the problems)."""
    logged: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
    for d in deliveries:
        if d.log_sequence is not None:
            logged[(d.data.listing.listing_id, d.data.listing.version)] = _listing_form(d)
    unproven: list[str] = []
    problems: list[str] = []
    for d in deliveries:
        if d.log_sequence is not None:
            continue
        if d.type == "listing.changed":  # a change the log must hold, and does not name
            problems.append(
                f"delivery {d.delivery_id} is a listing.changed without a log entry: no "
                "change reaches a subscriber unlogged, only restatements of logged ones (unlogged)"
            )
            continue
        if d.data.type is ChangeType.PURGED:  # a purge restated: none is, every one is logged
            problems.append(
                f"delivery {d.delivery_id} carries a purge of listing "
                f"{d.data.listing.listing_id} without a log entry: every purge is a logged "
                "listing change (unlogged)"
            )
            continue
        known = logged.get((d.data.listing.listing_id, d.data.listing.version))
        if known is None:
            unproven.append(d.delivery_id)
            continue
        digest, provenances = _listing_form(d)
        origin = d.data.listing.origin_region
        added = provenances - known[1]
        if (
            digest != known[0]
            or not known[1] <= provenances
            # a relay by the listing's own chain; never by the nation, which relays nothing
            # (review 349: a restatement claiming it passed)
            or not all(within(origin, p) and p != NATION for p in added)
        ):
            problems.append(
                f"delivery {d.delivery_id} restates listing {d.data.listing.listing_id} "
                "otherwise than the logged change of that version (altered)"
            )
    return tuple(unproven), problems


def _listing_form(delivery: DeliveryPayload) -> tuple[str, frozenset[str]]:
    """The digest of the delivery's listing alone, IDs masked, whatever change carried it,
    without its provenances; and those apart."""
    public = masked(delivery.data.listing).model_dump(mode="json", exclude={"provenances"})
    provenances = frozenset(delivery.data.listing.provenances)
    return hashlib.sha256(canonical(public)).hexdigest(), provenances


def unsalted_problems(deliveries: Sequence[DeliveryPayload]) -> list[str]:
    """A listing delivered with ID numbers in full and an ``ids_commitment`` must carry the
    ``id_salt`` that commitment was made with: only then does its digest cover those numbers
    (``masked`` recomputes the commitment from them). Without the salt the given commitment
    would be taken on trust, and a number swapped for another with the same mask would pass.
    Listings made before salts (neither field) are judged by their masked form, as ever."""
    problems: list[str] = []
    for d in deliveries:
        listing = d.data.listing
        if listing.ids_commitment is None or listing.id_salt is not None:
            continue
        hidden = masked(listing)
        if (hidden.credit_code, hidden.responsible_persons) != (
            listing.credit_code,
            listing.responsible_persons,
        ):
            problems.append(
                f"delivery {d.delivery_id} shows ID numbers in full without the id_salt of "
                "its ids_commitment: the numbers are not bound to the log (altered)"
            )
    return problems


def withheld_problems(deliveries: Sequence[DeliveryPayload]) -> list[str]:
    """The words masking withholds (history steps' notes, an objection's words, a commitment's
    outcome note) are bound to the log only through the ``ids_commitment`` its ``id_salt``
    recomputes; the digest covers the masked form. So a copy to a region that did not
    recognise the listing holds none of them, whatever the event (review 246; restatements
    and flags too: review 307), and a copy that holds them carries the salt, unless it was
    made before salts (neither field: judged by its masked form, as ever). ID numbers are
    ``unsalted_problems``'s; a purge's tombstone is ``overfull_tombstone``'s."""
    problems: list[str] = []
    for d in deliveries:
        listing = d.data.listing
        if d.data.type is ChangeType.PURGED or _words(masked(listing)) == _words(listing):
            continue
        if not d.recognition.recognised:
            problems.append(
                f"delivery {d.delivery_id} holds words masking withholds from a region that "
                "does not recognise the listing (altered)"
            )
        elif listing.ids_commitment is not None and listing.id_salt is None:
            problems.append(
                f"delivery {d.delivery_id} holds words masking withholds without the id_salt "
                "of its ids_commitment: the words are not bound to the log (altered)"
            )
    return problems


def _words(listing: Listing) -> dict[str, object]:
    return listing.model_dump(mode="json", include={"history", "objection", "commitment"})


def audience_problems(
    deliveries: Sequence[DeliveryPayload], subscription_id: str, region: str
) -> list[str]:
    """Stored deliveries addressed to another subscription or region (bodies stored before
    deliveries named their region are judged by the subscription id alone)."""
    return [
        f"delivery {d.delivery_id} is addressed to {d.subscription_id} "
        f"({d.subscriber_region}), not to {subscription_id} ({region})"
        for d in deliveries
        if d.subscription_id != subscription_id or d.subscriber_region not in (None, region)
    ]


def late_arrivals(deliveries: Sequence[DeliveryPayload]) -> tuple[str, ...]:
    """The deliveries stored after a later change of the same listing. A listing's changes
    come in log order, except what an operator re-drives or a subscriber replays (and a switch
    of delivery mode while one is retrying, or a re-evaluation's restatement racing a newer
    push): sent again later, an older change lands after a newer one. Applied by version (a
    listing's ``version`` only grows), it changes nothing; stored blindly, it would bring the
    older state back. So they are listed, not taken for a fault: a run that found them still
    proves every delivery genuine and complete. Later is by log sequence where both have one,
    and by version always (a restatement has no sequence; a tombstone keeps its version)."""
    last: dict[str, tuple[int, str]] = {}  # a listing → the largest sequence, version stored
    late: list[str] = []
    for delivery in deliveries:
        listing = delivery.data.listing
        sequence, version = delivery.log_sequence, listing.version
        most, newest = last.get(listing.listing_id, (0, version))
        if (sequence is not None and sequence < most) or version < newest:
            late.append(delivery.delivery_id)
        last[listing.listing_id] = (max(sequence or 0, most), max(version, newest))
    return tuple(late)


def unerased_problems(deliveries: Sequence[DeliveryPayload]) -> list[str]:
    """A purged listing is never listed again, and the gateway posts nothing of it after its
    tombstone: a delivery of it stored after the tombstone was stored after the purge (a
    receiver that erased before the line was stored), and keeps what retention ended."""
    tombstones: dict[str, str] = {}
    problems: list[str] = []
    for d in deliveries:
        listing_id = d.data.listing.listing_id
        if erases(d):
            tombstones.setdefault(listing_id, d.delivery_id)
        elif listing_id in tombstones:
            problems.append(
                f"delivery {d.delivery_id} of purged listing {listing_id} is stored after its "
                f"tombstone {tombstones[listing_id]}: retention ended, it must be erased "
                "(gateway listen erases it at its next start)"
            )
    return problems


_ERASED_PARTS = {
    "credit_code",
    "id_salt",
    "subject_name",
    "reason",
    "legal_basis",
    "deciding_authority",
    "decision_number",
    "responsible_persons",
    "objection",
    "history",
    "extension",
    "commitment",
}


def overfull_tombstone(delivery: DeliveryPayload) -> str | None:
    """A purge's tombstone that holds more than its masked code and the erased marks (what
    ``tombstone`` leaves): its digest is taken over its masked form, which masks the code
    again and withholds the words, so a full ID number or the words in it passed the leaf —
    and a listener keeps a tombstone for ever (review 307). Reported, not refused at receipt:
    a tombstone is what erases the listing (review 313: one logged before today's form, a
    replay sends as it was, was refused for good, and the listing never erased)."""
    if delivery.data.type is not ChangeType.PURGED:
        return None
    held = delivery.data.listing
    left = tombstone(held).model_dump(mode="json", include=_ERASED_PARTS)
    if held.model_dump(mode="json", include=_ERASED_PARTS) == left:
        return None
    return (
        f"delivery {delivery.delivery_id} is a purge's tombstone holding what the purge erased "
        "(an ID number in full, a name or words): keep the tombstone's erased form only"
    )
