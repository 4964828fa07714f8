"""What a correction may put in place of a listing's content, shared by an objection's
``corrected`` decision and the operator's reassignment: the same listing (its identity kept),
its commitment's recorded outcome kept, and the entry's own fields stamped with the
correction's version."""

from __future__ import annotations

from gateway.lifecycle.commitments import breach_kept, unsettles
from gateway.lifecycle.requests import Stamped
from gateway_client.contract import (
    BadRequest,
    Conflict,
    Listing,
    ListingEntry,
    identity_of,
    identity_text,
)

_IDENTITY = ("credit_code", "kind", "domain", "deciding_authority", "decision_number")
"""What a listing's id is made of (``identity_of``), in the order a mismatch is named."""

CORRECTED = tuple(
    name
    for name in ListingEntry.model_fields
    if name not in ("origin_region", "source_updated_at", "source_sequence")
)
"""The content a correction puts in place (the stamp is the correction's own)."""


class CommitmentSettled(Conflict):
    """A correction that would change a commitment's recorded outcome: kept or broken is final,
    in a correction as in a push (a black listing may stand on a broken one)."""

    code = "commitment_settled"
    default_path = "corrected_entry.commitment.outcome"


def _spelt(entry: object, field: str) -> object:
    """A part of the identity as the id takes it (texts in one spelling: review 53)."""
    value = getattr(entry, field)
    return identity_text(value) if field in ("deciding_authority", "decision_number") else value


def refuse_other_listing(listing: Listing, entry: ListingEntry) -> None:
    """Raise ``BadRequest`` when ``entry`` is another listing than ``listing``: ``path`` names
    the first identity field that differs. A person's listing has the id of the region it is
    of (``person_listing_id``): the same decision."""
    if identity_of(entry) in (listing.listing_id, identity_of(listing)):
        return
    field = next((f for f in _IDENTITY if _spelt(entry, f) != _spelt(listing, f)), "")
    raise BadRequest(
        f"the corrected entry is a different listing: its {field or 'identity'} differs "
        "(a correction keeps the code, kind, domain, authority and decision number)",
        path=f"corrected_entry.{field}" if field else "corrected_entry",
    )


def corrected_content(
    listing: Listing,
    entry: ListingEntry,
    stamp: Stamped | ListingEntry,
    rehomed: bool,
    instead: str,
) -> dict[str, object]:
    """The fields ``entry`` puts in place of ``listing``'s, stamped with ``stamp``'s version,
    with its ``origin_region`` where the correction gives the listing to another region
    (``rehomed``).

    Raises
    ------
    BadRequest
        The entry is another listing (``refuse_other_listing``).
    CommitmentSettled
        The entry would change a commitment's recorded outcome (its message ends with what to
        do ``instead``).
    """
    refuse_other_listing(listing, entry)
    if unsettles(listing, entry):
        raise CommitmentSettled(
            f"the commitment's outcome is recorded already (kept or broken is final); {instead}"
        )
    content: dict[str, object] = {name: getattr(entry, name) for name in CORRECTED}
    content["conduct_ended_on"] = breach_kept(listing, entry.conduct_ended_on)
    if rehomed:
        content["origin_region"] = entry.origin_region
    # the correction is the content's new version: stamped with it (``content_version``)
    content["source_updated_at"] = stamp.source_updated_at
    content["source_sequence"] = stamp.source_sequence
    return content


def holds(listing: Listing, entry: ListingEntry) -> bool:
    """Whether ``listing`` holds ``entry``'s content (what a replay of a correction finds)."""
    return all(getattr(listing, name) == getattr(entry, name) for name in CORRECTED)
