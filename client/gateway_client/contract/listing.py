"""Listings (名单条目) as the gateway keeps them: status, history and the masked view; the entry
a platform pushes is ``listing_entry``."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from gateway_client.contract.clock import china_date
from gateway_client.contract.codes import CreditCodeOrMasked, SubjectType, mask

# imported "as" themselves: re-exported, as callers and tests have long named them here
from gateway_client.contract.listing_entry import ListingEntry as ListingEntry
from gateway_client.contract.listing_entry import entry_version as entry_version
from gateway_client.contract.listing_entry import identity_of as identity_of
from gateway_client.contract.listing_entry import version_of as version_of
from gateway_client.contract.model import Frozen, copied
from gateway_client.contract.objections import Objection
from gateway_client.contract.regions import RegionCode


class ListingStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CORRECTED = "corrected"
    REVOKED = "revoked"
    REPAIRED = "repaired"
    EXPIRED = "expired"
    # 已履行: a court defaulter performed its obligation and the court deleted the listing
    # (法释〔2017〕7号 第十条)
    PERFORMED = "performed"


IN_FORCE = frozenset({ListingStatus.ACTIVE})


TransitionEvent = Literal[
    "objection_filed",
    "objection_noticed",
    "objection_verified",
    "objection_decided",
    "repaired",
    "expired",
    "removed",
    "reassigned",  # the operator gave the listing to the region that made its decision
]


class Transition(Frozen):
    """One step of a listing's history: kept with the listing, never rewritten."""

    event: TransitionEvent
    status: ListingStatus
    at: AwareDatetime
    by: str
    reason: str
    # The words its maker wrote (a repair's reason, a removal's note): about the subject's
    # case, so withheld where the listing is shown masked, as an objection's are (``masked``).
    # Left out of dumps when absent, so steps made before it digest as they did.
    note: str | None = Field(default=None, exclude_if=lambda value: value is None)


class Listing(ListingEntry):
    """A listing as the gateway holds it: the latest accepted entry plus gateway bookkeeping."""

    credit_code: CreditCodeOrMasked
    listing_id: str
    version: str
    subject_type: SubjectType
    origin_region: RegionCode
    status: ListingStatus = ListingStatus.ACTIVE
    provenances: tuple[RegionCode, ...]
    accepted_at: AwareDatetime
    listed_at: AwareDatetime | None = None  # first accepted; accepted_at moves with each version
    objection: Objection | None = None
    history: tuple[Transition, ...] = ()
    # 已履行: the day the obligation was performed, as the removal that ended the listing said
    performed_on: date | None = Field(default=None, exclude_if=lambda value: value is None)
    # A version named nobody where an earlier one named responsible persons (落实到人): once
    # a listing has named a person, retention treats it as involving an individual for good
    # (``gateway.lifecycle.retention``), so the versions that named them are erased in time.
    named_persons_before: bool = Field(default=False, exclude_if=lambda value: not value)
    # The version's secret for ``ids_commitment`` (``masked``): made by the gateway when an
    # entry becomes a listing, never pushed; shown only where the full ID numbers are. Both
    # are left out of dumps when absent, so listings made before them digest as they did.
    id_salt: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{32}$",
        exclude_if=lambda value: value is None,
        description="16 random bytes (hex) of this version, where ID numbers are shown in full",
    )
    ids_commitment: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        exclude_if=lambda value: value is None,
        description="hex SHA-256(id_salt || what masking hides, as JSON: the full ID numbers "
        "and withheld words), where ID numbers are masked",
    )


WITHHELD = "（不予披露）"
"""What a masked listing's objection reason reads: the field may not be empty."""


def _hidden(listing: Listing) -> list[object]:
    """What ``masked`` hides, in order — the full ID numbers and the withheld words — and so
    what ``ids_commitment`` binds: everything else the masked form shows, and the change
    digest covers it there. (Kept beside ``masked``: whatever it comes to hide goes here.)"""
    made, objection = listing.commitment, listing.objection
    hidden: list[object] = [
        listing.credit_code,
        [person.id_number for person in listing.responsible_persons],
        made.outcome_note if made is not None else None,
        _withheld_words(objection) if objection is not None else None,
    ]
    notes = [step.note for step in listing.history if step.note is not None]
    return [*hidden, notes] if notes else hidden  # listings without notes bind what they did


def _withheld_words(objection: Objection) -> list[str]:
    """The objection's words ``masked`` withholds; the verification note only when there is
    one, so the commitments of listings made before it was kept stay what they were."""
    words = [objection.reason, objection.decision_note]
    return [*words, objection.verification_note] if objection.verification_note else words


def ids_commitment_of(listing: Listing, salt: str) -> str:
    """SHA-256(salt || what masking hides, as JSON): binds the full ID numbers and withheld
    words without showing them; with the salt unknown, no guessed ID number can be checked
    against it. Only the hidden parts are hashed (a few µs, once per change fan-out masks)."""
    hidden = json.dumps(_hidden(listing), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(bytes.fromhex(salt) + hidden.encode()).hexdigest()


def masked(listing: Listing) -> Listing:
    """The listing with resident ID numbers masked: the subject's, if a person, and every
    responsible person's; a commitment's outcome note, an objection's words (the subject's
    reason, the owner's note) and the history's notes (a repair's reason, a removal's) left
    out. A salted listing's salt goes, its ``ids_commitment`` comes: so a change digest over
    the masked form still binds the full IDs (a swapped ID number with the same mask changes
    it), and a masked copy keeps the commitment it was given.
    (Copied without validating again: once per change a fan-out sends to a region that does
    not recognise it; ``copied`` is ``model_copy``.)"""
    persons = tuple(
        copied(p, {"id_number": mask(p.id_number) if p.id_number else None})
        for p in listing.responsible_persons
    )
    update: dict[str, object] = {
        "credit_code": mask(listing.credit_code),
        "responsible_persons": persons,
    }
    if listing.id_salt is not None:
        update["id_salt"] = None
        update["ids_commitment"] = ids_commitment_of(listing, listing.id_salt)
    if listing.commitment is not None and listing.commitment.outcome_note:
        # free text about a person's promise: the owner's to read, not every subscriber's
        update["commitment"] = copied(listing.commitment, {"outcome_note": ""})
    if listing.objection is not None:
        # a subject's own account of its case: for the owner and the regions applying measures
        update["objection"] = copied(
            listing.objection, {"reason": WITHHELD, "decision_note": "", "verification_note": ""}
        )
    if any(step.note is not None for step in listing.history):  # the same, in a repair's words
        update["history"] = tuple(copied(step, {"note": None}) for step in listing.history)
    return copied(listing, update)


def stopped_applying(listing: Listing) -> date | None:
    """The day the listing stopped applying, if it has: the step that took it out of force.
    Steps after it (an objection decided on the ended listing, its notice acknowledged, a
    verification reported) do not move that day, nor the retention counted from it (review
    36: they did, so another region's objection decided late kept a person's data longer)."""
    ended = stopped_applying_at(listing)
    return None if ended is None else china_date(ended)


def stopped_applying_at(listing: Listing) -> datetime | None:
    """When the step that took the listing out of force was accepted (``stopped_applying``)."""
    if listing.status in IN_FORCE or listing.status is ListingStatus.SUSPENDED:
        return None
    ended = listing.accepted_at
    for step in reversed(listing.history):
        if step.status in IN_FORCE or step.status is ListingStatus.SUSPENDED:
            break
        ended = step.at
    return ended
