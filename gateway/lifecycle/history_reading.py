"""What a listing's history says about its objections and owners: the listing keeps only its
latest objection whole, so earlier ones, and whether the operator ever re-homed it, are read
from its steps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from gateway_client.contract import OPERATOR, REHOMED, Listing, Transition, rehoming


def objections_filed(listing: Listing, by: str | None = None) -> set[str]:
    """The ids of every objection ever filed on the listing (by one region, if ``by``), as its
    history records them (the listing keeps only its latest objection whole)."""
    return {
        step.reason.removeprefix("objection ").removesuffix(" filed")
        for step in listing.history
        if step.event == "objection_filed" and by in (None, step.by)
    }


def verified_earlier(listing: Listing, objection_id: str) -> bool:
    """Whether the owner reported ``objection_id`` verified (its step reads ``objection <id>
    verified``): what is left of an objection the listing no longer keeps whole."""
    wanted = f"objection {objection_id} verified"
    return any(
        step.event == "objection_verified" and step.reason == wanted for step in listing.history
    )


def objection_decisions(listing: Listing) -> Iterator[tuple[str, datetime]]:
    """Each decided objection's id and when it was decided, oldest first, from the history
    (its step reads ``objection <id> <outcome>``, a re-homing note after it; ids hold no
    spaces)."""
    for step in listing.history:
        if step.event == "objection_decided":
            yield step.reason.removeprefix("objection ").split(" ", 1)[0], step.at


def earlier_outcome(listing: Listing, objection_id: str) -> str | None:
    """How an objection decided before the listing's latest one was decided (``None``: none
    such), from its history step (``objection <id> <outcome>``)."""
    for step in listing.history:
        if step.event == "objection_decided":
            named, _, rest = step.reason.removeprefix("objection ").partition(" ")
            if named == objection_id:
                return rest.partition(REHOMED)[0].split(" ", 1)[0]
    return None


def rehomed(listing: Listing) -> bool:
    """Whether the operator ever gave the listing to another region (``objection_steps``,
    ``reassignment``)."""
    return any(_rehoming(step) for step in listing.history)


def former_owners(listing: Listing) -> tuple[str, ...]:
    """The regions the operator gave the listing away from, oldest first: each such step's
    reason ends ``; origin <from> → <to>`` (the last: a note before it may say anything)."""
    return tuple(regions[0] for step in listing.history if (regions := rehoming(step)))


def _rehoming(step: Transition) -> bool:
    return step.by == OPERATOR and (
        step.event == "reassigned" or (step.event == "objection_decided" and REHOMED in step.reason)
    )
