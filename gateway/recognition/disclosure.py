"""Who sees what of a subject: which of its listings a caller is shown, and how.

Resident ID numbers — a natural person's credit code and responsible persons' ``id_number`` —
are shown in full only to a caller with a need for them: the operator; the region that owns
the listing (``gateway.ownership``: its origin, or an ancestor relaying for it); and a region
that recognises it (its own subtree, or an agreement in force), the same rule that decides
whether a delivery to that region carries them (``fanout.for_subscriber``). Everyone else who
signs sees them masked, listing by listing, exactly as a delivery would mask them.

A caller's region is the one whose key signed the request, never a region it asks about: the
query's ``?as=`` only chooses whose recognition to compute.

A commitment that was kept or withdrawn is shown to its owner and the operator only, like a
listing that ended; an open or a broken one as any listing in force.

Anonymous callers get the public view: listings in force, suspended ones marked so, without any
responsible person's ID number, objection or history; a listing that ended (revoked, repaired,
expired, corrected) is shown only to its owner and the operator, who keep its history. A
natural person cannot be asked about anonymously at all (``PersonalQueryRequiresSignature``),
and the route decides that from the code alone, before it reads anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import BaseModel

from gateway.ownership import GATEWAY, may_change
from gateway.recognition.agreement import Agreement
from gateway.recognition.matching import recognise
from gateway_client.contract import (
    IN_FORCE,
    SETTLED_QUIETLY,
    AuthenticationError,
    Frozen,
    Listing,
    ListingStatus,
    RegionCode,
    SubjectType,
    Transition,
    classify,
    mask,
    masked,
    resident_ids_masked,
)

PUBLIC_STATUSES = IN_FORCE | {ListingStatus.SUSPENDED}


class PersonalQueryRequiresSignature(AuthenticationError):
    """A natural person's code was queried without the operator's or a platform's credentials;
    the answer is the same whether or not the person is listed."""

    code = "personal_query_requires_signature"


class Viewer(Frozen):
    """Who asks: the operator, a platform by the key that signed, or nobody in particular."""

    kind: Literal["operator", "region", "anonymous"]
    region: RegionCode | None = None
    relays_subregions: bool = False  # the signing region's policy (``may_change``)
    key_id: str | None = None  # the platform key, or the operator's IAM principal
    # A console session: a browser keeps what it is shown (memory, history, caches), so it is
    # shown no resident ID number in full, whatever the disclosure (``ids_masked``).
    in_browser: bool = False

    @property
    def anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def key_named(self) -> str | None:
        return key_named(self.key_id)

    @property
    def operator(self) -> bool:
        return self.kind == "operator"

    def owns(self, origin_region: str) -> bool:
        """The operator, or the owner of a listing from ``origin_region`` (or its relay)."""
        if self.operator:
            return True
        return self.region is not None and may_change(
            origin_region, self.region, self.relays_subregions
        )


ANONYMOUS = Viewer(kind="anonymous")


def key_named(key_id: str | None) -> str | None:
    """A key id (or a check's id) as a trail entry or a signed report names it: one registered
    before ids were judged as text may hold an ID number (review 317), which goes masked."""
    return key_id and resident_ids_masked(key_id)


class Disclosure(StrEnum):
    FULL = "full"  # resident IDs as stored
    MASKED = "masked"  # ``listing.masked``, as a delivery to a region that does not recognise it
    PUBLIC = "public"  # masked, without responsible persons' IDs, objection or history


def is_natural_person(code: str) -> bool:
    return classify(code)[1] is SubjectType.NATURAL_PERSON


def disclosure(
    listing: Listing, viewer: Viewer, agreements: Sequence[Agreement], on: date
) -> Disclosure | None:
    """How ``viewer`` is shown ``listing`` on ``on``; ``None``: not at all."""
    if viewer.owns(listing.origin_region):
        return Disclosure.FULL
    if listing.status not in PUBLIC_STATUSES or settled_quietly(listing):
        return None
    if viewer.region is None:
        return Disclosure.PUBLIC
    if recognise(listing, viewer.region, agreements, on).recognised:
        return Disclosure.FULL
    return Disclosure.MASKED


def settled_quietly(listing: Listing) -> bool:
    """A commitment kept or withdrawn: nothing anyone but its owner needs to see."""
    made = listing.commitment
    return made is not None and made.outcome in SETTLED_QUIETLY


def shown(listing: Listing, how: Disclosure) -> Listing:
    """The listing as ``how`` shows it."""
    if how is Disclosure.FULL:
        return listing
    hidden = written_before_the_rules(masked(listing))
    if how is Disclosure.MASKED:
        return hidden
    persons = tuple(p.model_copy(update={"id_number": None}) for p in hidden.responsible_persons)
    return hidden.model_copy(
        update={"responsible_persons": persons, "objection": None, "history": ()}
    )


def ids_masked(listing: Listing) -> Listing:
    """The listing as shown, with its resident ID numbers masked and nothing else withheld:
    what a browser session is shown of a listing it may see in full. The salt goes with the
    numbers (it would let the hidden digits be checked against a commitment)."""
    persons = tuple(
        p.model_copy(update={"id_number": mask(p.id_number) if p.id_number else None})
        for p in listing.responsible_persons
    )
    shown_masked = listing.model_copy(
        update={
            "credit_code": mask(listing.credit_code),
            "responsible_persons": persons,
            "id_salt": None,
        }
    )
    return ids_in_text_masked(shown_masked)


def written_before_the_rules(listing: Listing) -> Listing:
    """A masked view of text stored before input refused what it now refuses: resident ID
    numbers written into text (``id_number_in_text``) masked, and the words once written into
    the history's reasons (the owner's verification note, a repair's reason, a removal's note:
    now each step's ``note``, which ``masked`` leaves out) left out as the objection's are."""
    history = _without_notes(listing.history)
    moved = (
        listing if history is listing.history else listing.model_copy(update={"history": history})
    )
    return ids_in_text_masked(moved)


def ids_in_text_masked(listing: Listing) -> Listing:
    """The listing with every resident ID number in its text masked (a no-op for one stored
    since input refused them; views only: a delivery's digest covers its text as stored) —
    its own, its persons' names, its history's reasons and notes, its extension's number, its
    objection's id and words and its commitment's note (review 308: a console shown the words
    of a listing it sees in full, a region without purpose the objection's id, in full).
    Nothing is copied unless something changes: every view of every listing asks."""
    parts: dict[str, object] = {
        "responsible_persons": _each_masked(listing.responsible_persons, ("name",)),
        "history": _each_masked(listing.history, ("reason", "note")),
        "extension": listing.extension and _text_masked(listing.extension, ("decision_number",)),
        "objection": listing.objection and _text_masked(listing.objection, _OBJECTION_TEXT),
        "commitment": listing.commitment and _text_masked(listing.commitment, ("outcome_note",)),
    }
    update = {name: part for name, part in parts.items() if part is not getattr(listing, name)}
    own = _text_masked(listing, _TEXT)
    return own.model_copy(update=update) if update else own


M = TypeVar("M", bound=BaseModel)


def _text_masked(item: M, names: tuple[str, ...]) -> M:
    """``item`` with the resident ID numbers in its text ``names`` masked; itself when none
    holds one."""
    update = {
        name: scrubbed
        for name in names
        if (value := getattr(item, name)) and (scrubbed := resident_ids_masked(value)) != value
    }
    return item.model_copy(update=update) if update else item


def _each_masked(items: tuple[M, ...], names: tuple[str, ...]) -> tuple[M, ...]:
    """``_text_masked`` of each item; ``items`` itself when none changes."""
    out = tuple(_text_masked(item, names) for item in items)
    return items if all(a is b for a, b in zip(out, items, strict=True)) else out


def _without_notes(steps: tuple[Transition, ...]) -> tuple[Transition, ...]:
    """The steps' reasons without the words platforms once wrote into them; the gateway's own
    steps (a broken commitment's black listing unlisted) say what they did as they are."""
    changed = False
    out: list[Transition] = []
    for step in steps:
        reason = step.reason if step.by == GATEWAY else _NOTE_IN_REASON.sub(r"\1", step.reason)
        changed = changed or reason != step.reason
        out.append(step if reason == step.reason else step.model_copy(update={"reason": reason}))
    return tuple(out) if changed else steps


_TEXT = ("subject_name", "reason", "legal_basis", "deciding_authority", "decision_number")
_OBJECTION_TEXT = ("objection_id", "reason", "decision_note", "verification_note")
_NOTE_IN_REASON = re.compile(  # only those steps say so; a resync's removal, the gateway's words
    r"^(objection \S+ verified|credit repair|removed: [a-z_]+)"
    r"(?:: | — (?!absent from full resync\Z)).*\Z",  # an old one's upload id goes
    re.DOTALL,
)


def reveals_resident_id(listing: Listing) -> bool:
    """Whether the listing, as shown, holds a resident ID number in full (a masked one, or a
    unified social credit code, is no such number: ``mask`` leaves both as they are)."""
    numbers = [listing.credit_code, *(p.id_number for p in listing.responsible_persons)]
    return any(n is not None and mask(n) != n for n in numbers)
