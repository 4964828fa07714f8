"""How long a listing stays in force: its ``valid_until``, else its domain's or severity's
default (DESIGN §4b). Read of a stored listing (the tick's expiry) and of an entry before it is
stored (intake refuses one whose period has ended: nothing to exchange, and a person's data
that retention may already have to erase). In the contract, as the lifecycle and recognition
both judge by it (feedback's "not in force on that day": review 126)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from gateway_client.contract.catalogue import ListKind, Severity
from gateway_client.contract.extension import Extension, longest_until


class Period(Protocol):
    """What a listing's period is read from: a stored listing's fields, or an entry's."""

    @property
    def kind(self) -> ListKind: ...
    @property
    def domain(self) -> str: ...
    @property
    def severity(self) -> Severity | None: ...
    @property
    def valid_from(self) -> date: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def open_ended(self) -> bool: ...
    @property
    def extension(self) -> Extension | None: ...


def effective_valid_until(listing: Period) -> date | None:
    """``valid_until`` as pushed, else the default for the domain or severity (DESIGN §4b);
    ``None`` for an open-ended listing (listed until deleted). A black listing ends at its
    longest period at the latest, whatever it holds: intake refuses a longer one, and one
    stored before that rule expires (and its retention counts) from there too."""
    if listing.kind is not ListKind.BLACK or listing.open_ended:
        return listing.valid_until
    longest = longest_until(listing.domain, listing.valid_from, listing.extension, listing.severity)
    if listing.valid_until is None or longest is None:
        return listing.valid_until or longest
    return min(listing.valid_until, longest)


def prolonged(new: Period, held: Period) -> str | None:
    """The field by which a later version ``new`` of a bad credit record would keep it in force
    longer than the version ``held``, or ``None``: a later ``valid_from`` starts its period
    again; an end later than the held one's (``open_ended`` where it had an end, a ``severity``
    with a longer longest period, a later ``valid_until``) lengthens it. Either keeps joint
    punishment, and the personal data retention counts from its end, past what was decided
    (reviews 250 and 257): a longer period needs its own decision, an ``extension`` other than
    the one held."""
    if new.valid_from > held.valid_from:
        return "valid_from"
    if new.extension is not None and new.extension != held.extension:
        return None
    if (effective_valid_until(new) or date.max) <= (effective_valid_until(held) or date.max):
        return None  # no end is the latest end: in force until deleted
    if new.open_ended and not held.open_ended:
        return "open_ended"
    return "severity" if new.severity != held.severity else "valid_until"
