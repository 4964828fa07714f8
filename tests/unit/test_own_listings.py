"""Which person candidates move on to their decision's next id (``gateway.intake.own_listings``)."""

from __future__ import annotations

from builders import CITY, COUNTY, OTHER_COUNTY, RESIDENT_ID, USCC, listing

from gateway.intake.own_listings import own_ids
from gateway_client.contract import DECISION_IDS, decision_ids, next_listing_id


def test_a_person_s_decision_another_region_holds_moves_to_its_next_id() -> None:
    mine = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    theirs = listing(credit_code=RESIDENT_ID, region=CITY)

    moved = own_ids([(0, mine)], {theirs.listing_id: theirs}, {}, OTHER_COUNTY, False)

    assert moved[0].listing_id == next_listing_id(mine.listing_id)
    assert moved[0].model_copy(update={"listing_id": mine.listing_id}) == mine


def test_the_next_id_is_the_same_whoever_pushes_and_the_ids_run_on() -> None:
    """Derived from the id alone: a relay's entries for itself and for its county meet on it
    (review 174: one per origin told the right number from a wrong one)."""
    theirs = listing(credit_code=RESIDENT_ID, region=CITY)
    held = {theirs.listing_id: theirs}
    own = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    relayed = listing(credit_code=RESIDENT_ID, region="420200", origin_region=OTHER_COUNTY)

    moved = own_ids([(0, own), (1, relayed)], held, {}, "420200", True)

    assert moved[0].listing_id == moved[1].listing_id
    ids = decision_ids(theirs.listing_id)
    assert (len(set(ids)), ids[1]) == (DECISION_IDS, moved[0].listing_id)


def test_a_company_a_region_it_acts_for_and_an_absent_id_are_left_as_they_are() -> None:
    company = listing(credit_code=USCC, region=OTHER_COUNTY)
    company_held = listing(credit_code=USCC, region=CITY)
    county = listing(credit_code=RESIDENT_ID, region=COUNTY)
    relayed = listing(credit_code=RESIDENT_ID, region=COUNTY)
    held = {company_held.listing_id: company_held, relayed.listing_id: relayed}

    assert own_ids([(0, company)], held, {}, OTHER_COUNTY, False) == {}
    assert own_ids([(0, county)], held, {}, CITY, True) == {}  # CITY relays for 清城区
    assert own_ids([(0, county)], {}, {}, OTHER_COUNTY, False) == {}


def test_a_purge_mark_moves_it_only_when_it_names_another_owner() -> None:
    mine = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    lid = mine.listing_id

    assert own_ids([(0, mine)], {}, {lid: CITY}, OTHER_COUNTY, False)[0].listing_id != lid
    assert own_ids([(0, mine)], {}, {lid: OTHER_COUNTY}, OTHER_COUNTY, False) == {}
    # a mark made before marks named their owner: anyone's, refused as purged (never relisted)
    assert own_ids([(0, mine)], {}, {lid: ""}, OTHER_COUNTY, False) == {}
