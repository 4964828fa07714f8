"""Changes: what subscribers hear about when a listing is created or moves forward."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime

from gateway_client.contract.listing import Listing, ListingStatus, masked
from gateway_client.contract.model import Frozen, instance


class ChangeType(StrEnum):
    LISTED = "listed"
    UPDATED = "updated"
    RECOGNITION = "recognition"  # the listing is unchanged; an agreement changed how it applies
    OBJECTION_FILED = "objection_filed"
    OBJECTION_DECIDED = "objection_decided"
    OBJECTION_PROGRESSED = "objection_progressed"  # the owner received the notice, or verified
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    CORRECTED = "corrected"
    REVOKED = "revoked"
    REPAIRED = "repaired"
    EXPIRED = "expired"
    PERFORMED = "performed"  # a court defaulter performed its obligation: deleted (法释〔2017〕7号)
    PURGED = "purged"  # retention ran out: subscribers erase their copy too


_STATUS_TYPES = {
    ListingStatus.ACTIVE: ChangeType.REINSTATED,
    ListingStatus.SUSPENDED: ChangeType.SUSPENDED,
    ListingStatus.CORRECTED: ChangeType.CORRECTED,
    ListingStatus.REVOKED: ChangeType.REVOKED,
    ListingStatus.REPAIRED: ChangeType.REPAIRED,
    ListingStatus.EXPIRED: ChangeType.EXPIRED,
    ListingStatus.PERFORMED: ChangeType.PERFORMED,
}


def classify_change(new: Listing, old: Listing | None) -> ChangeType:
    """Name the step from ``old`` to ``new`` the way a subscriber thinks of it."""
    if old is None:
        return ChangeType.LISTED
    was, now = old.objection, new.objection
    decided_now = now is not None and not now.open and (was is None or was.open)
    if decided_now and now is not None and now.outcome == "corrected":
        return ChangeType.CORRECTED
    if new.status != old.status:
        return _STATUS_TYPES[new.status]
    if now is not None and now.open and (was is None or was.objection_id != now.objection_id):
        return ChangeType.OBJECTION_FILED
    if decided_now:
        return ChangeType.OBJECTION_DECIDED
    progressed = now is not None and now.open and was is not None and now != was
    return ChangeType.OBJECTION_PROGRESSED if progressed else ChangeType.UPDATED


class Change(Frozen):
    """One accepted step of one listing; ``change_id`` is the same wherever it is derived."""

    change_id: str
    type: ChangeType
    listing: Listing
    previous_version: str | None
    previous_status: ListingStatus | None
    occurred_at: AwareDatetime


def change_id(listing: Listing, cause: str = "") -> str:
    digest = hashlib.sha256(f"{listing.listing_id}@{listing.version}{cause}".encode()).hexdigest()
    return "chg_" + digest[:32]


def restated(listing: Listing, cause: str, at: datetime) -> Change:
    """The listing as it stands, re-sent because ``cause`` (e.g. an agreement revision) changed."""
    return Change(
        change_id=change_id(listing, f"#{cause}"),
        type=ChangeType.RECOGNITION,
        listing=listing,
        previous_version=listing.version,
        previous_status=listing.status,
        occurred_at=at,
    )


_FIELDS = frozenset(Change.model_fields)


def change_between(new: Listing, old: Listing | None) -> Change | None:
    """The change that moved ``old`` to ``new``; ``None`` when only bookkeeping changed.

    Assembled without validating again (once per change of every ingest): each field is a
    validated value already — the listings are models, the type an enum member, the time the
    listing's own — so the ``Change`` is the one ``Change(...)`` would validate into
    (``tests/unit/test_change_assembly.py``)."""
    if old is not None and old.version == new.version:
        return None
    fields = {
        "change_id": change_id(new),
        "type": classify_change(new, old),
        "listing": new,
        "previous_version": None if old is None else old.version,
        "previous_status": None if old is None else old.status,
        "occurred_at": new.accepted_at,
    }
    return instance(Change, fields, _FIELDS)


def purge_id(listing: Listing) -> str:
    """The change id of the listing's purge, known before the purge is logged (the tick names
    it in the stubs that replace the listing's erased log bodies). Of the listing id alone (an
    id is purged once: never stored again): a version written on the listing while its purge
    erased it is deleted with it, and its tombstone must be the one the stubs name."""
    digest = hashlib.sha256(f"{listing.listing_id}#purged".encode()).hexdigest()
    return "chg_" + digest[:32]


def purged(listing: Listing, at: datetime) -> Change:
    """The last word on an erased listing: its tombstone, the same for every subscriber and in
    the exchange log, where it stays for replays — so it holds nothing of the person."""
    return Change(
        change_id=purge_id(listing),
        type=ChangeType.PURGED,
        listing=tombstone(listing),
        previous_version=listing.version,
        previous_status=listing.status,
        occurred_at=at,
    )


ERASED = "已消除"


def tombstone(listing: Listing) -> Listing:
    """What a purged listing leaves: its identity (id, kind, domain, origin, version, status,
    dates) and the masked code, so a subscriber finds and erases its copy; names, reasons, the
    decision's authority and number (and an extension's), responsible persons, objection and
    history are gone — with them, the listing id could be checked against guessed codes — and
    so is the masked form's ``ids_commitment``: a region shown the listing in full holds the
    version's salt, and with it the commitment would confirm the erased person (review 199)."""
    erased: dict[str, object] = {
        "ids_commitment": None,
        "subject_name": ERASED,
        "reason": ERASED,
        "deciding_authority": ERASED,
        "decision_number": ERASED,
        "responsible_persons": (),
        "objection": None,
        "history": (),
    }
    if listing.legal_basis is not None:
        erased["legal_basis"] = ERASED
    if listing.extension is not None:  # the court's case number for the same person (review 54)
        erased["extension"] = listing.extension.model_copy(update={"decision_number": ERASED})
    if listing.commitment is not None and listing.commitment.outcome_note:
        erased["commitment"] = listing.commitment.model_copy(update={"outcome_note": ERASED})
    return masked(listing).model_copy(update=erased)
