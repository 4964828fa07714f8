"""Changes between listing versions, and one delivery per matching subscription."""

from __future__ import annotations

import pytest
from builders import COUNTY, NOW, OTHER_COUNTY, change, listing, red_entry, subscription

from gateway.delivery.planning import payload_for, plan_deliveries
from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.change import ChangeType, change_between
from gateway_client.contract.filters import SubscriptionFilters
from gateway_client.contract.listing import ListingStatus


def test_a_first_version_is_a_listed_change() -> None:
    made = change_between(listing(), None)
    assert made is not None
    assert (made.type, made.previous_version, made.previous_status) == (
        ChangeType.LISTED,
        None,
        None,
    )


def test_a_newer_version_is_an_updated_change_that_remembers_the_old_one() -> None:
    old = listing(source_sequence=1)
    made = change_between(listing(source_sequence=2), old)
    assert made is not None
    assert (made.type, made.previous_version, made.previous_status) == (
        ChangeType.UPDATED,
        old.version,
        ListingStatus.ACTIVE,
    )


def test_an_equal_version_is_no_change() -> None:
    assert change_between(listing(), listing(provenances=("441800", "441802"))) is None


def test_the_change_id_depends_only_on_listing_and_version() -> None:
    first = change_between(listing(source_sequence=2), listing(source_sequence=1))
    again = change_between(listing(source_sequence=2), None)
    assert (first and first.change_id) == (again and again.change_id)


def test_different_versions_have_different_change_ids() -> None:
    assert (
        change(listing(source_sequence=1)).change_id != change(listing(source_sequence=2)).change_id
    )


def test_the_change_occurs_when_the_gateway_accepted_it() -> None:
    assert change(listing(accepted_at=NOW)).occurred_at == NOW


# -- planning deliveries --


def test_every_enabled_subscription_without_filters_gets_exactly_one_delivery() -> None:
    subs = [subscription("s-1"), subscription("s-2"), subscription("s-3")]
    deliveries = plan_deliveries(change(), subs, [])
    assert sorted(d.subscription_id for d in deliveries) == ["s-1", "s-2", "s-3"]


def test_a_disabled_subscription_is_still_planned_for_so_it_can_catch_up_when_enabled() -> None:
    subs = [subscription("s-on"), subscription("s-off", enabled=False)]
    assert [d.subscription_id for d in plan_deliveries(change(), subs, [])] == ["s-on", "s-off"]


def test_no_subscriptions_means_no_deliveries() -> None:
    assert plan_deliveries(change(), [], []) == []


@pytest.mark.parametrize(
    ("kinds", "matches"), [((ListKind.BLACK,), True), ((ListKind.RED,), False)]
)
def test_a_kind_filter_selects_listings_of_that_kind(
    kinds: tuple[ListKind, ...], matches: bool
) -> None:
    sub = subscription(filters=SubscriptionFilters(kinds=kinds))
    assert len(plan_deliveries(change(), [sub], [])) == int(matches)


def test_a_domain_filter_selects_listings_of_those_domains() -> None:
    taxes = subscription("s-tax", filters=SubscriptionFilters(domains=("major_tax_violation",)))
    courts = subscription("s-court", filters=SubscriptionFilters(domains=("court_defaulter",)))
    assert [d.subscription_id for d in plan_deliveries(change(), [taxes, courts], [])] == [
        "s-court"
    ]


def test_a_red_listing_reaches_a_red_only_subscription() -> None:
    red = listing(red_entry())
    sub = subscription(filters=SubscriptionFilters(kinds=(ListKind.RED,)))
    assert len(plan_deliveries(change(red), [sub], [])) == 1


@pytest.mark.parametrize("root", ["440000", "441800", COUNTY])
def test_a_source_region_matches_origins_in_its_subtree(root: str) -> None:
    sub = subscription(filters=SubscriptionFilters(source_regions=(root,)))
    assert len(plan_deliveries(change(listing(origin_region=COUNTY)), [sub], [])) == 1


@pytest.mark.parametrize("root", ["420000", "441900", "441803"])
def test_a_source_region_ignores_origins_outside_its_subtree(root: str) -> None:
    sub = subscription(filters=SubscriptionFilters(source_regions=(root,)))
    assert plan_deliveries(change(listing(origin_region=COUNTY)), [sub], []) == []


def test_a_source_region_filter_is_about_origin_not_the_relaying_region() -> None:
    sub = subscription(filters=SubscriptionFilters(source_regions=(OTHER_COUNTY,)))
    relayed_elsewhere = listing(region="441800", origin_region=COUNTY)
    assert plan_deliveries(change(relayed_elsewhere), [sub], []) == []


def test_all_filters_must_match() -> None:
    sub = subscription(
        filters=SubscriptionFilters(
            kinds=(ListKind.BLACK,), domains=("court_defaulter",), source_regions=("420000",)
        )
    )
    assert plan_deliveries(change(listing(origin_region=COUNTY)), [sub], []) == []


def test_delivery_ids_are_stable_across_planning_runs() -> None:
    subs = [subscription("s-1"), subscription("s-2")]
    first = [d.delivery_id for d in plan_deliveries(change(), subs, [])]
    again = [d.delivery_id for d in plan_deliveries(change(), subs, [])]
    assert first == again


def test_delivery_ids_differ_per_subscription() -> None:
    subs = [subscription(f"s-{n}") for n in range(5)]
    ids = [d.delivery_id for d in plan_deliveries(change(), subs, [])]
    assert len(set(ids)) == 5


def test_delivery_ids_differ_per_change() -> None:
    sub = [subscription("s-1")]
    one = plan_deliveries(change(listing(source_sequence=1)), sub, [])[0].delivery_id
    two = plan_deliveries(change(listing(source_sequence=2)), sub, [])[0].delivery_id
    assert one != two


def test_the_payload_names_the_delivery_and_carries_the_change() -> None:
    [delivery] = plan_deliveries(change(), [subscription("s-1")], [])
    payload = payload_for(delivery, subscriber_region="430000")
    assert (payload.type, payload.delivery_id, payload.subscription_id, payload.data) == (
        "listing.changed",
        delivery.delivery_id,
        "s-1",
        delivery.change,
    )
