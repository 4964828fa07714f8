"""Which person candidates go under the pusher's own id (``gateway.intake.own_listings``)."""

from __future__ import annotations

from builders import CITY, COUNTY, OTHER_COUNTY, RESIDENT_ID, USCC, listing

from gateway.intake.own_listings import own_ids
from gateway_client.contract import regional_listing_id


def test_a_person_s_decision_another_region_holds_moves_to_the_pusher_s_own_id() -> None:
    mine = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    theirs = listing(credit_code=RESIDENT_ID, region=CITY)

    moved = own_ids([(0, mine)], {theirs.listing_id: theirs}, {}, OTHER_COUNTY, False)

    assert moved[0].listing_id == regional_listing_id(mine.listing_id, OTHER_COUNTY)
    assert moved[0].model_copy(update={"listing_id": mine.listing_id}) == mine


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


def test_one_already_under_its_own_id_is_not_moved_again() -> None:
    """A round after a lost race reads its own id; held by another since (the operator gave it
    away), it is refused there, not moved to an id of an id."""
    mine = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    own = mine.model_copy(update={"listing_id": regional_listing_id(mine.listing_id, "441800")})
    given = own.model_copy(update={"origin_region": CITY})

    assert own_ids([(0, own)], {own.listing_id: given}, {}, OTHER_COUNTY, False) == {}
