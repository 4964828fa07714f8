"""When the periodic paths next have something to do with a listing, from the listing alone.

The tick must not walk the whole listings table (issue 15: at 10^4–10^5 listings a scan held in
memory outgrows the lifecycle function). So every listing write stores two dates the table's
indexes are keyed on, and the tick and the overdue lists read only what those indexes say is
due:

- ``act_on``: the first day the tick has to act — expire it, purge it (retention), list it
  as a broken commitment its owner's policy may list, or unlist the black listing made from a
  broken commitment since revoked or corrected. ``None``: nothing will ever be due
  without another write, which recomputes the date.
- ``late_on``: the first day an open objection or commitment shows as overdue (the day after a
  deadline passes). It stays while the objection or commitment is open: the overdue lists read
  it every time, and the decision or outcome, being a write, takes it away.

Each date is the earliest of its candidates, and a candidate exists exactly when the tick's own
test (``expiry_due``, ``purge_due``, ``broken``; ``overdue``, ``overdue_steps``) could hold on
some day without a write: a listing the tick acts on is always in the index by that day. A
listing read from the index whose only due action needed no write (its broken commitment's
black listing exists already, or its owner lists none) is moved on by the tick with
``act_on(listing, after=today)``, so nothing stays due forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from gateway.lifecycle.commitments import broken, withdrawn, withdrawn_on
from gateway.lifecycle.objection_timeline import NOTICE_DAYS
from gateway.lifecycle.retention import (
    EVIDENCE_DAYS,
    RETENTION_YEARS,
    evidence_over,
    may_be_purged,
    retention_start,
)
from gateway.lifecycle.rules import STANDING
from gateway_client.contract import (
    Listing,
    ListingStatus,
    china_date,
    effective_valid_until,
    months_after,
)

Budget = Callable[[], bool]
"""True once a run must stop (the Lambda's remaining time is nearly spent); the rest stays
due in the index and the next run takes it up."""

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DueDates:
    """The index dates of a listing, under the deployment's retention settings."""

    retention_years: int = RETENTION_YEARS
    evidence_days: int = EVIDENCE_DAYS

    def act_on(self, listing: Listing, after: date | None = None) -> date | None:
        """The first day (after ``after``, if given) the tick has something to do."""
        days = [
            day
            for day in (_expiry(listing), self._purge(listing), _broken(listing))
            if day is not None and (after is None or day > after)
        ]
        return min(days, default=None)

    def _purge(self, listing: Listing) -> date | None:
        """``purge_due``'s first true day: retention over and the evidence window passed."""
        if not may_be_purged(listing):
            return None
        if listing.objection is not None and listing.objection.open:
            return None  # deciding it is a write: the date comes back then
        start = retention_start(listing)
        if start is None:
            return None
        evidence = evidence_over(listing, self.evidence_days)
        return max(months_after(start, 12 * self.retention_years), evidence)


def _expiry(listing: Listing) -> date | None:
    """``expiry_due``'s first true day."""
    if listing.status not in STANDING:
        return None
    return effective_valid_until(listing)


def _broken(listing: Listing) -> date | None:
    """A broken commitment is due for listing from the day it was broken; one revoked or
    corrected, for unlisting from the day it was (its last write's)."""
    made = listing.commitment
    if withdrawn(listing):
        return withdrawn_on(listing)
    return made.outcome_on if broken(listing) and made is not None else None


def late_on(listing: Listing) -> date | None:
    """The first day the listing shows in an overdue list (``overdue``, ``overdue_entries``)."""
    days: list[date] = []
    made = listing.commitment
    if (
        made is not None
        and made.open
        and made.deadline is not None
        and listing.status is ListingStatus.ACTIVE
    ):
        days.append(made.deadline + _DAY)
    objection = listing.objection
    if objection is not None and objection.open:
        if objection.awaiting_notice:
            days.append(china_date(objection.filed_at) + timedelta(days=NOTICE_DAYS) + _DAY)
        days += [
            step.deadline + _DAY
            for step in objection.steps
            if step.done_at is None and step.deadline is not None
        ]
        if objection.deadline is not None:
            days.append(objection.deadline + _DAY)
    return min(days, default=None)
