"""How long a listing stays in force: its ``valid_until``, else its domain's or severity's
default (DESIGN §4b). Read of a stored listing (the tick's expiry) and of an entry before it is
stored (intake refuses one whose period has ended: nothing to exchange, and a person's data
that retention may already have to erase). In the contract, as the lifecycle and recognition
both judge by it (feedback's "not in force on that day": review 126)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from gateway_client.contract.catalogue import ListKind, Severity
from gateway_client.contract.clock import months_after
from gateway_client.contract.extension import Extension, longest_until
from gateway_client.contract.identity import same_decision


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


def prolonged(new: Period, held: Period, held_number: str) -> str | None:
    """The field by which a later version ``new`` of a listing whose period a decision set (a
    black listing, an evaluation result) would keep it in force past the end of the version
    ``held`` (decided under ``held_number``), or ``None``: ``open_ended`` where it had an end,
    a later ``valid_until``, a later ``valid_from`` its longest period counts from, a graver
    ``severity``, the held extension restated longer. Joint punishment, and the personal data
    retention counts from the end, would outlive what was decided (reviews 250, 257, 258); a
    later start or any change ending no later is a correction. A longer period needs its own
    decision — an extension under another decision number — and then by its years alone, on
    top of the held end (review 260: a new extension let the period restart too)."""
    if held.kind not in (ListKind.BLACK, ListKind.EVALUATION):
        return None  # a red listing's, a commitment's: the owner's to set
    ends = effective_valid_until(held) or date.max  # no end is the latest end
    if (
        ends < date.max
        and new.extension is not None
        and _decided_anew(new.extension, held, held_number)
    ):
        ends = months_after(ends, 12 * new.extension.years)
    if (effective_valid_until(new) or date.max) <= ends:
        return None
    if new.open_ended and not held.open_ended:
        return "open_ended"
    if new.valid_until is not None and new.valid_until > ends:
        return "valid_until"
    if new.valid_from > held.valid_from:
        return "valid_from"
    if new.extension != held.extension:
        return "extension"  # the held one's decision restated longer
    return "severity" if new.severity != held.severity else "valid_until"


def _decided_anew(extension: Extension, held: Period, held_number: str) -> bool:
    """An extension under a decision number other than the held extension's and the listing's
    own (the same number restated with more years, or spelt otherwise, is the same decision).
    Numbers are the deciding authority's: the gateway cannot tell a real one from one made up,
    so what it bounds is how much each new one adds."""
    number = extension.decision_number
    if same_decision(number, held_number):
        return False
    return held.extension is None or not same_decision(number, held.extension.decision_number)
