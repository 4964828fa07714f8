"""Review 343: a check of a subject listed ten thousand times filed one trail entry naming every
listing, past DynamoDB's 400 KB item: the check was a 500, not its 413. Capping the names
(review 347) left an owner reading an entry that named none of its listings a check had
shown. A look that returned many listings files several entries, each naming its own
listings' owners, every listing named once."""

from __future__ import annotations

from datetime import timedelta

from builders import CITY, NOW, OTHER_COUNTY, USCC, listing

from gateway.recognition import Asked, Viewer
from gateway.recognition.query_trail import MAX_TRAIL_IDS, trail_entries
from gateway_client.contract import Purpose

ITEM_LIMIT = 400 * 1024
ASKED = Asked(
    Viewer(kind="region", region="430000", key_id="k"),
    Purpose.SUPERVISION,
    "430000",
    NOW,
    timedelta(days=1),
    "chk_1",
)


def test_a_look_at_ten_thousand_listings_files_entries_that_each_fit_their_item() -> None:
    one = listing(region=CITY)
    many = [one.model_copy(update={"listing_id": f"lst_{n:032x}"}) for n in range(10_000)]
    last = listing(region=OTHER_COUNTY, origin_region=OTHER_COUNTY)

    entries = trail_entries(USCC, [*many, last], ASKED)

    assert [len(e.listing_ids) for e in entries] == [MAX_TRAIL_IDS] * 5 + [1]
    named = [x for e in entries for x in e.listing_ids]
    assert named == [x.listing_id for x in [*many, last]]
    assert [e.owners for e in entries] == [(CITY,)] * 5 + [(OTHER_COUNTY,)]
    assert max(len(e.model_dump_json().encode()) for e in entries) < ITEM_LIMIT // 4
    assert len({e.entry_id for e in entries}) == len(entries)


def test_a_look_that_found_nothing_still_files_one_entry() -> None:
    [entry] = trail_entries(USCC, [], ASKED)

    assert (entry.listing_ids, entry.owners) == ((), ())
