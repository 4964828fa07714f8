"""Whether a pushed removal's reason can end the listing it names: a removal is the owner's
word, but the statuses it leaves mean what the rules say. ``repaired`` is credit repair, for
a bad record (a black listing, a poor grade) once its minimum publicity is over, as
``POST …/repair`` holds it; ``expired`` is the end of a known period (review 191: both ended
a month-old listing, told subscribers so and counted a repair or an expiry that never was)."""

from __future__ import annotations

from datetime import date

from gateway.lifecycle.requests import Removal, RemovalReason
from gateway.lifecycle.rules import NotRepairable, RepairTooEarly, earliest_repair
from gateway_client.contract import Listing, bad_record, effective_valid_until

NOT_REPAIRABLE = NotRepairable.code
NOT_EXPIRED = "not_expired"


def dates_problem(removal: Removal, held: Listing) -> tuple[str, str, str] | None:
    """(code, message, field) if ``removal`` cannot apply to ``held`` whatever its state."""
    if removal.performed_on is not None and removal.performed_on < held.decided_on:
        message = "performed_on is before the listing was decided (decided_on)"
        return "dates_out_of_order", message, "performed_on"
    return None


def reason_problem(removal: Removal, held: Listing, today: date) -> tuple[str, str, str] | None:
    """(code, message, field) if ``removal``'s reason is not true of ``held`` in force on
    ``today``."""
    if removal.reason is RemovalReason.REPAIRED:
        if not bad_record(held):
            message = (
                "only bad credit records (black-list entries, poor grades) are repaired; end "
                "it as revoked or corrected"
            )
            return NOT_REPAIRABLE, message, "reason"
        earliest = earliest_repair(held)
        if today < earliest:
            message = f"credit repair is possible from {earliest} (minimum publicity period)"
            return RepairTooEarly.code, message, "reason"
    if removal.reason is RemovalReason.EXPIRED:
        until = effective_valid_until(held)
        if until is not None and today < until:
            message = f"its period runs until {until}; end it earlier as revoked or corrected"
            return NOT_EXPIRED, message, "reason"
    return None
