"""The operator's moves: a listing given to the region that made its decision (a reassignment,
or an objection's ``corrected`` decision naming another origin). Both sides read a move from
the listing's own last step, so the gateway's fan-out and its log, and a subscriber auditing
the log, agree on which version moved and from where."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from gateway_client.contract.listing import Listing, Transition
from gateway_client.contract.salting import instant_line, stated_instant

OPERATOR = "operator"  # who a step made by the operator names (``Transition.by``)
REHOMED = "; origin "
"""What the reason of the operator's step ends with when it gave the listing to another region:
``…; origin A → B`` (a note before it may say anything)."""
_ARROW = " → "
_REGION = re.compile(r"[0-9]{6}")


def moved_from(listing: Listing) -> str | None:
    """The region this very version took the listing from, where it is the operator's move
    (its last step, made with it: a later push keeps the history, not the moment); else
    ``None``. Only the operator's step counts, and only a suffix naming this version's origin
    as the new one: a region's note quoting the marker moves nothing."""
    step = listing.history[-1] if listing.history else None
    if step is None or step.at != listing.accepted_at:
        return None
    regions = rehoming(step)
    moved = regions is not None and regions[1] == listing.origin_region != regions[0]
    return regions[0] if regions is not None and moved else None


def rehoming(step: Transition) -> tuple[str, str] | None:
    """The regions an operator's step gave a listing from and to (its reason's suffix ``…;
    origin A → B``: the last, a note before it may say anything); ``None`` for any other step
    (a region's note quoting the marker moves nothing)."""
    if step.by != OPERATOR or step.event not in ("reassigned", "objection_decided"):
        return None
    if REHOMED not in step.reason:
        return None
    old, _, new = step.reason.rsplit(REHOMED, 1)[1].partition(_ARROW)
    return (old, new) if _REGION.fullmatch(old) else None


MOVES_SINCE = "credit-gateway/moves-since"
"""A checkpoint extension line: the instant from which every move the gateway accepts is
logged naming ``moved_from``. A log this code published from its start states
``salting.FROM_THE_START``; an upgraded one its first publication by this code plus Lambda's
longest run (so no older code still logs). A move accepted before it may have been logged
without the field, and a stored delivery of it is checked against either leaf."""


def moves_since_line(at: datetime) -> str:
    """The extension line stating ``at`` (whole seconds, UTC)."""
    return instant_line(MOVES_SINCE, at)


def moves_since(extensions: Sequence[str]) -> datetime | None:
    """The instant a checkpoint's extension lines state; None when they state none."""
    return stated_instant(extensions, MOVES_SINCE, "moves cut-over")
