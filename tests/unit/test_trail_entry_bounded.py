"""Review 343: a check of a subject listed ten thousand times filed a trail entry naming every
listing, past DynamoDB's 400 KB item: the check was a 500, not its 413. The entry names the
first ``MAX_TRAIL_IDS``; who owns them and whether a number was shown judge them all."""

from __future__ import annotations

from datetime import timedelta

from builders import CITY, NOW, OTHER_COUNTY, USCC, listing

from gateway.recognition import Asked, Viewer
from gateway.recognition.query_trail import MAX_TRAIL_IDS, trail_entry
from gateway_client.contract import Purpose

ITEM_LIMIT = 400 * 1024


def test_a_look_at_ten_thousand_listings_files_an_entry_that_fits_its_item() -> None:
    one = listing(region=CITY)
    many = [one.model_copy(update={"listing_id": f"lst_{n:032x}"}) for n in range(10_000)]
    last = listing(region=OTHER_COUNTY, origin_region=OTHER_COUNTY)
    asked = Asked(
        Viewer(kind="region", region="430000", key_id="k"),
        Purpose.SUPERVISION,
        "430000",
        NOW,
        timedelta(days=1),
        "chk_1",
    )

    entry = trail_entry(USCC, [*many, last], asked)

    assert entry.listing_ids == tuple(x.listing_id for x in many[:MAX_TRAIL_IDS])
    assert entry.owners == tuple(sorted({CITY, OTHER_COUNTY}))
    assert len(entry.model_dump_json().encode()) < ITEM_LIMIT // 10
