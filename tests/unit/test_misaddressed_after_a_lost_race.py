"""Review 381: a listing not held, named by a relay's push first for one county (entry 0) and
then for another (entry 1, refused ``origin_mismatch`` as the batch's first entry names the
other). The write of entry 0 loses a race: the second county's own push stored the listing
meanwhile. Entry 0 is judged again (now misaddressed); entry 1 keeps the answer it got against
entry 0, which was never stored — "the listing is 441802's" — though the listing is the one it
names, and sent after that push (the only order the outcome allows, entry 0 refused) it is
accepted. Nothing of the batch is accepted: no order of the two pushes gives that."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from builders import CITY, COUNTY, entry

from gateway.intake.storing import store
from gateway.ports import Write
from gateway.promotion import promote
from gateway_client.contract import Listing, ListingEntry

TODAY = date(2025, 6, 2)
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
COUNTY2 = "441803"


class _Racing:
    """A store where another push lands ``theirs`` just before this push's first write."""

    def __init__(self, theirs: Listing | None) -> None:
        self.held: dict[str, Listing] = {}
        self.theirs = theirs

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        return {i: self.held[i] for _, i in keys if i in self.held}

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        if self.theirs is not None:
            self.held[self.theirs.listing_id], self.theirs = self.theirs, None
        done = set()
        for new, expected in writes:
            now = self.held.get(new.listing_id)
            if (now.version if now is not None else None) == expected:
                self.held[new.listing_id] = new
                done.add(new.listing_id)
        return done

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        pass


def _entry(origin: str, second: int) -> ListingEntry:
    raw = entry(origin_region=origin, source_updated_at=f"2025-06-01T08:00:{second:02d}+08:00")
    return ListingEntry.model_validate(raw)


def _answers(stored):  # type: ignore[no-untyped-def]
    found = {i: "accepted" for i, _ in stored.accepted}
    found |= {i: "duplicate" for i, _ in stored.duplicates}
    found |= {r.index: r.code for r in stored.refused}
    return found


def test_an_entry_naming_the_region_that_won_the_race_is_not_refused_as_misaddressed():
    theirs = promote(_entry(COUNTY2, 1), COUNTY2, NOW)  # the second county's own push
    batch = [
        (0, promote(_entry(COUNTY, 3), CITY, NOW)),
        (1, promote(_entry(COUNTY2, 4), CITY, NOW)),
    ]
    listings = _Racing(theirs)

    answers = _answers(store(listings, batch, CITY, True, lambda ids: {}, TODAY, 5))

    # as if sent after the push that won: entry 0 names the wrong county, entry 1 updates it
    assert answers == {0: "origin_mismatch", 1: "accepted"}, answers


def test_entries_of_a_purged_decision_are_all_answered_purged_whatever_county_they_name():
    """Sent one by one, each is ``listing_purged`` (nothing was stored for the first to make the
    listing the first county's); in one push the second is ``origin_mismatch``, its message
    saying the listing is 441802's — a listing that does not exist and cannot be listed."""
    first = promote(_entry(COUNTY, 3), CITY, NOW)
    batch = [(0, first), (1, promote(_entry(COUNTY2, 4), CITY, NOW))]
    marks = lambda ids: {i: COUNTY for i in ids if i == first.listing_id}  # noqa: E731

    together = _answers(store(_Racing(None), batch, CITY, True, marks, TODAY, 5))
    alone = {}
    for one in batch:
        alone |= _answers(store(_Racing(None), [one], CITY, True, marks, TODAY, 5))

    assert alone == {0: "listing_purged", 1: "listing_purged"}
    assert together == alone, together
