"""Which person candidates move on to their decision's next id (``gateway.intake.own_listings``)."""

from __future__ import annotations

from builders import CITY, COUNTY, OTHER_COUNTY, RESIDENT_ID, USCC, listing

from gateway.intake.own_listings import own_ids
from gateway_client.contract import DECISION_IDS, decision_ids, next_listing_id


def test_a_person_s_decision_another_region_holds_moves_to_its_next_id() -> None:
    mine = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    theirs = listing(credit_code=RESIDENT_ID, region=CITY)

    moved = own_ids([(0, mine)], {theirs.listing_id: theirs}, {})

    assert moved[0].listing_id == next_listing_id(mine.listing_id)
    assert moved[0].model_copy(update={"listing_id": mine.listing_id}) == mine


def test_the_next_id_is_derived_from_the_id_alone_and_the_ids_run_on() -> None:
    theirs = listing(credit_code=RESIDENT_ID, region=CITY)
    held = {theirs.listing_id: theirs}
    one = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    other = listing(credit_code=RESIDENT_ID, region="440000")

    moved = own_ids([(0, one), (1, other)], held, {})

    assert moved[0].listing_id == moved[1].listing_id
    ids = decision_ids(theirs.listing_id)
    assert (len(set(ids)), ids[1]) == (DECISION_IDS, moved[0].listing_id)


def test_an_entry_stops_at_the_listing_of_the_region_it_is_of() -> None:
    """A relay's entry for 清城区 stops at 清城区's listing, passing the one its city holds
    (review 176: it landed on a sibling's); a company's never moves."""
    county = listing(credit_code=RESIDENT_ID, region=COUNTY)
    city = listing(credit_code=RESIDENT_ID, region=CITY)
    company = listing(credit_code=USCC, region=OTHER_COUNTY)
    company_held = listing(credit_code=USCC, region=CITY)

    assert own_ids([(0, county)], {county.listing_id: county}, {}) == {}
    assert own_ids([(0, county)], {city.listing_id: city}, {})[0].listing_id != county.listing_id
    assert own_ids([(0, county)], {}, {}) == {}
    assert own_ids([(0, company)], {company_held.listing_id: company_held}, {}) == {}


def test_a_purge_mark_moves_it_only_when_it_names_another_owner() -> None:
    mine = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    lid = mine.listing_id

    assert own_ids([(0, mine)], {}, {lid: CITY})[0].listing_id != lid
    assert own_ids([(0, mine)], {}, {lid: OTHER_COUNTY}) == {}
    # a mark made before marks named their owner: anyone's, refused as purged (never relisted)
    assert own_ids([(0, mine)], {}, {lid: ""}) == {}
