"""``SubscriptionFilters.canonical``: one spelling per meaning. It admits exactly what the
filters admit, spelling it again changes nothing, and two spellings of one meaning — any
order, a region listed within another — give the same canonical filters, which is what the
gateway (``terms_since``) and verify-log (``terms_audit``) compare."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from plan_strategies import BLACK_DOMAINS, ORIGINS, RED_DOMAINS, listings

from gateway_client.contract import Listing
from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.filters import SubscriptionFilters

# the listings' origins, and roots above and beside them
REGIONS = sorted({*ORIGINS, "100000", "230000", "230900", "430000", "440300"})
DOMAINS = [*BLACK_DOMAINS, *RED_DOMAINS]

filters = st.builds(
    SubscriptionFilters,
    kinds=st.lists(st.sampled_from(list(ListKind)), unique=True, max_size=4).map(tuple),
    domains=st.lists(st.sampled_from(DOMAINS), unique=True, max_size=3).map(tuple),
    source_regions=st.lists(st.sampled_from(REGIONS), unique=True, max_size=4).map(tuple),
)


@given(filters, listings())
def test_the_canonical_filters_admit_what_the_filters_admit(
    asked: SubscriptionFilters, listing: Listing
) -> None:
    assert asked.canonical().matches(listing) == asked.matches(listing)
    assert asked.canonical().canonical() == asked.canonical()


@given(filters, st.randoms())
def test_another_order_or_a_region_within_one_listed_is_the_same_canonical(
    asked: SubscriptionFilters, shuffler
) -> None:  # type: ignore[no-untyped-def]
    def shuffled(values: tuple[str, ...]) -> tuple[str, ...]:
        out = list(values)
        shuffler.shuffle(out)
        return tuple(out)

    within = [
        r
        for r in REGIONS
        if any(r != o and r.startswith(o.rstrip("0")) for o in asked.source_regions)
    ]
    respelled = SubscriptionFilters(
        kinds=shuffled(asked.kinds),
        domains=shuffled(asked.domains),
        source_regions=shuffled(tuple(dict.fromkeys(asked.source_regions + tuple(within[:1])))),
    )

    assert respelled.canonical() == asked.canonical()
