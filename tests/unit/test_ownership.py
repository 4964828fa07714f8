"""Who owns a listing: its origin region, or an ancestor that relays for it — never a region
that merely appears in its provenances."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.ownership import may_change
from gateway_client.contract.regions import within

COUNTY, CITY, PROVINCE = "441802", "441800", "440000"
SIBLING_COUNTY, OTHER_PROVINCE = "441803", "420000"


@pytest.mark.parametrize(
    ("origin", "region", "relays", "may"),
    [
        pytest.param(COUNTY, COUNTY, False, True, id="the-owner-itself"),
        pytest.param(COUNTY, CITY, True, True, id="its-relaying-city"),
        pytest.param(COUNTY, PROVINCE, True, True, id="its-relaying-province"),
        pytest.param(COUNTY, CITY, False, False, id="a-city-that-does-not-relay"),
        pytest.param(CITY, COUNTY, True, False, id="a-county-below-the-owner"),
        pytest.param(COUNTY, SIBLING_COUNTY, True, False, id="a-sibling-county"),
        pytest.param(COUNTY, OTHER_PROVINCE, True, False, id="another-province"),
    ],
)
def test_only_the_owner_or_a_relaying_ancestor_may_change_a_listing(
    origin: str, region: str, relays: bool, may: bool
) -> None:
    assert may_change(origin, region, relays) is may


regions = st.sampled_from([COUNTY, CITY, PROVINCE, SIBLING_COUNTY, OTHER_PROVINCE, "420281"])


@given(origin=regions, region=regions, relays=st.booleans())
def test_a_region_outside_the_owners_chain_never_may_change_it(
    origin: str, region: str, relays: bool
) -> None:
    if not within(origin, region):
        assert not may_change(origin, region, relays)
    if region == origin:
        assert may_change(origin, region, relays)
