"""The overdue lists: open commitments past their deadline and objections' late steps, read
from the overdue index a page at a time (the console's and the operator's routes)."""

from __future__ import annotations

from gateway.lifecycle.commitments import overdue
from gateway.lifecycle.in_force import as_on
from gateway.lifecycle.objection_timeline import overdue_entries
from gateway.lifecycle.tick import PAGE
from gateway.ports import ListingStore
from gateway_client.contract import Clock, china_date, within


class OverdueLists:
    def __init__(self, listings: ListingStore, clock: Clock) -> None:
        self._listings = listings
        self._clock = clock

    def commitments(
        self, region: str | None, after: str | None = None, limit: int = PAGE
    ) -> tuple[list[dict[str, str]], str | None]:
        """Open commitments past their deadline, of ``region``'s subtree (``None``: all): one
        page of the overdue index from ``after``, and where the next starts. Each as of today,
        not as last stored: one whose period has ended is owed no outcome, whether or not the
        tick has expired it yet (review 388), as the one-stop view has it."""
        today = china_date(self._clock.now())
        page, following = self._listings.late(today, after, limit)
        late = [
            entry
            for held in page
            if (region is None or within(held.origin_region, region))
            and (entry := overdue(as_on(held, today), today)) is not None
        ]
        return late, following

    def objections(
        self, after: str | None = None, limit: int = PAGE
    ) -> tuple[list[dict[str, str]], str | None]:
        """Per open objection, each step past its deadline and the decision, if late: one page
        of the overdue index from ``after``, and where the next starts."""
        today = china_date(self._clock.now())
        page, following = self._listings.late(today, after, limit)
        return [entry for held in page for entry in overdue_entries(held, today)], following
