"""A person's listing has the id of the region it is of (``gateway.intake.own_listings``)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from builders import CITY, COUNTY, OTHER_COUNTY, RESIDENT_ID, USCC, entry, listing

from gateway.intake.file_check import FileCheck, Held
from gateway.intake.own_listings import stored_before
from gateway.lifecycle.reassignment import held_once
from gateway.promotion import promote
from gateway_client.contract import (
    CHINA,
    Conflict,
    Listing,
    ListingEntry,
    identity_of,
    person_listing_id,
)

NOW = datetime(2025, 6, 2, 10, tzinfo=CHINA)


def _promoted(code: str, region: str, origin: str | None = None) -> Listing:
    raw = entry(credit_code=code, origin_region=origin)
    return promote(ListingEntry.model_validate(raw), region, NOW)


def test_each_region_lists_a_person_s_decision_under_an_id_of_its_own() -> None:
    county = _promoted(RESIDENT_ID, COUNTY)
    relayed = _promoted(RESIDENT_ID, CITY, origin=COUNTY)
    city = _promoted(RESIDENT_ID, CITY)
    company = _promoted(USCC, CITY)

    decision = identity_of(county)
    assert county.listing_id == relayed.listing_id == person_listing_id(decision, COUNTY)
    assert city.listing_id == person_listing_id(decision, CITY) != county.listing_id
    assert company.listing_id == identity_of(company)


def test_a_listing_stored_before_keeps_the_decision_s_id_for_its_region_alone() -> None:
    old = listing(credit_code=RESIDENT_ID, region=COUNTY)  # under the decision's id
    held = {old.listing_id: old}
    mine = _promoted(RESIDENT_ID, COUNTY)
    theirs = _promoted(RESIDENT_ID, OTHER_COUNTY)

    [(_, kept), (_, apart)] = stored_before(
        [(0, mine), (1, theirs)],
        lambda keys: {k: held[k] for _, k in keys if k in held},
        lambda ids: {},
    )

    assert kept.listing_id == old.listing_id
    assert apart.listing_id == theirs.listing_id != old.listing_id


def test_a_mark_on_the_decision_s_id_refuses_its_region_and_an_unnamed_one_everyone() -> None:
    mine = _promoted(RESIDENT_ID, COUNTY)
    decision = identity_of(mine)

    def under(owner: str) -> str:
        [(_, x)] = stored_before([(0, mine)], lambda keys: {}, lambda ids: {decision: owner})
        return x.listing_id

    assert under(COUNTY) == under("") == decision  # refused as purged there
    assert under(OTHER_COUNTY) == mine.listing_id


def test_a_listing_stored_before_is_given_unless_its_new_owner_lists_or_listed_it() -> None:
    """Under the decision's id (stored before ids were keyed by region) a listing may be given
    to the region that made the decision — not while that region holds its own in force
    (it would hold two), nor once the decision was purged from it."""
    old = listing(credit_code=RESIDENT_ID, region=OTHER_COUNTY)
    own = promote(ListingEntry.model_validate(entry(credit_code=RESIDENT_ID)), COUNTY, NOW)
    today = NOW.date()

    def give(held: dict[str, Listing], marks: dict[str, str]) -> str:
        try:
            held_once(
                lambda keys: {k: held[k] for _, k in keys if k in held},
                lambda ids: {x: marks[x] for x in ids if x in marks},
                old,
                COUNTY,
                today,
            )
        except Conflict as refused:
            return str(refused.code)
        return "given"

    assert give({}, {}) == "given"
    assert give({own.listing_id: own}, {}) == "listing_held_already"
    assert give({}, {own.listing_id: COUNTY}) == "listing_purged"
    assert give({}, {own.listing_id: CITY}) == "given"
    with pytest.raises(Conflict):  # another region's own listing is never given
        held_once(lambda keys: {}, lambda ids: {}, own, OTHER_COUNTY, today)


def test_a_resync_holds_a_person_s_listing_by_a_line_of_its_own_region() -> None:
    """A relay's file naming a person's decision for one county does not hold another county's
    listing of it, whether stored under the decision's id from before or its own (review 179
    F5: the decision's fingerprint kept the other county's listing from the resync's removal)."""
    line = entry(credit_code=RESIDENT_ID, origin_region=COUNTY)
    check = FileCheck(collect_identities=True, region=CITY).run([json.dumps(line).encode()])
    decision = identity_of(ListingEntry.model_validate(line))

    assert check.holds(Held(RESIDENT_ID, decision, COUNTY))  # stored before, its county's
    assert check.holds(Held(RESIDENT_ID, person_listing_id(decision, COUNTY), COUNTY))
    assert not check.holds(Held(RESIDENT_ID, decision, OTHER_COUNTY))
    assert not check.holds(
        Held(RESIDENT_ID, person_listing_id(decision, OTHER_COUNTY), OTHER_COUNTY)
    )
    assert not check.holds(Held(RESIDENT_ID, decision, CITY))  # the relay's own is not named
