"""Intensified joint punishment (加大联合惩戒力度): black lists in two or more domains."""

from __future__ import annotations

from collections import Counter

import pytest
from builders import (
    NOW,
    agreement,
    change,
    listing,
    red_entry,
    subscription,
    with_status,
)

from gateway.delivery.intensified import plan_intensified
from gateway.delivery.planning import Delivery, plan_deliveries
from gateway.delivery.reevaluation import Comparison, subject_changes
from gateway.delivery.subscription import Subscription
from gateway.recognition.agreement import Agreement
from gateway.recognition.matching import intensified_domains, is_intensified
from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.filters import SubscriptionFilters
from gateway_client.contract.listing import Listing, ListingStatus

ON = NOW.date()
HUNAN = "430000"
HUBEI = "420000"
GUANGDONG = "440000"

HUNAN_AGREEMENT = agreement()  # 湖南 recognises every black list from 广东


def black(domain: str, number: int = 1, *, sequence: int = 1, origin: str = "441800") -> Listing:
    """One black listing of the default subject, from 清远 unless told otherwise."""
    return listing(
        domain=domain,
        decision_number=f"清信惩〔2025〕{number}号",
        origin_region=origin,
        source_sequence=sequence,
    )


COURT = black("court_defaulter")
FOOD = black("food_drug")
TAX = black("major_tax_violation")


# -- counting domains --


@pytest.mark.parametrize(
    ("listings", "region", "agreements", "expected"),
    [
        pytest.param([COURT, FOOD], GUANGDONG, [], {"court_defaulter", "food_drug"}, id="own"),
        pytest.param(
            [COURT, FOOD],
            HUNAN,
            [HUNAN_AGREEMENT],
            {"court_defaulter", "food_drug"},
            id="by-agreement",
        ),
        pytest.param([COURT, FOOD], HUBEI, [HUNAN_AGREEMENT], set(), id="not-recognised"),
        pytest.param(
            [COURT, FOOD],
            HUNAN,
            [agreement(domains=["court_defaulter"])],
            {"court_defaulter"},
            id="one-domain-recognised",
        ),
        pytest.param(
            [COURT, black("court_defaulter", 2)],
            GUANGDONG,
            [],
            {"court_defaulter"},
            id="same-domain-twice-counts-once",
        ),
        pytest.param(
            [COURT, listing(red_entry(domain="trustworthiness_model"))],
            GUANGDONG,
            [],
            {"court_defaulter"},
            id="red-listing-ignored",
        ),
        pytest.param([], GUANGDONG, [], set(), id="no-listings"),
    ],
)
def test_intensified_domains_are_the_distinct_domains_of_recognised_black_listings(
    listings: list[Listing], region: str, agreements: list[Agreement], expected: set[str]
) -> None:
    assert intensified_domains(listings, region, agreements, ON) == expected


@pytest.mark.parametrize(
    "status",
    [s for s in ListingStatus if s is not ListingStatus.ACTIVE],
    ids=lambda s: str(s),
)
def test_intensified_domains_count_only_active_listings(status: ListingStatus) -> None:
    listings = [COURT, with_status(FOOD, status)]

    assert intensified_domains(listings, GUANGDONG, [], ON) == {"court_defaulter"}


@pytest.mark.parametrize(
    ("domains", "intensified"),
    [
        pytest.param(set(), False, id="none"),
        pytest.param({"court_defaulter"}, False, id="one"),
        pytest.param({"court_defaulter", "food_drug"}, True, id="two"),
        pytest.param({"court_defaulter", "food_drug", "major_tax_violation"}, True, id="three"),
    ],
)
def test_a_subject_is_intensified_from_two_domains_on(domains: set[str], intensified: bool) -> None:
    assert is_intensified(frozenset(domains)) is intensified


# -- planning subject.intensified deliveries --

HUNAN_SUB = subscription("sub-hunan", region=HUNAN)
GUANGDONG_SUB = subscription("sub-guangdong", region=GUANGDONG)
HUBEI_SUB = subscription("sub-hubei", region=HUBEI)
ALL_SUBS = [HUNAN_SUB, GUANGDONG_SUB, HUBEI_SUB]

FOOD_LISTED = change(FOOD)


def plan(
    before: list[Listing],
    after: list[Listing],
    subs: list[Subscription] | None = None,
    agreements: list[Agreement] | None = None,
) -> list[Delivery]:
    """Intensified deliveries when ``FOOD`` is listed and the subject goes from before to after."""
    return plan_intensified(
        FOOD_LISTED,
        before,
        after,
        ALL_SUBS if subs is None else subs,
        [HUNAN_AGREEMENT] if agreements is None else agreements,
        ON,
    )


def test_crossing_into_two_domains_flags_each_recognising_regions_subscriptions_once() -> None:
    deliveries = plan(before=[COURT], after=[COURT, FOOD])

    assert sorted(d.subscription_id for d in deliveries) == ["sub-guangdong", "sub-hunan"]
    for delivery in deliveries:
        assert delivery.type == "subject.intensified"
        assert delivery.intensified is not None
        assert delivery.intensified.model_dump() == {
            "credit_code": FOOD.credit_code,
            "intensified": True,
            "domains": ("court_defaulter", "food_drug"),
        }
        assert delivery.change == FOOD_LISTED


def test_every_black_list_subscription_of_a_flipping_region_is_told_once() -> None:
    subs = [
        subscription("sub-hunan-1", region=HUNAN),
        subscription("sub-hunan-2", region=HUNAN),
        subscription(
            "sub-hunan-black", region=HUNAN, filters=SubscriptionFilters(kinds=("black",))
        ),
    ]

    deliveries = plan(before=[COURT], after=[COURT, FOOD], subs=subs)

    assert Counter(d.subscription_id for d in deliveries) == {
        "sub-hunan-1": 1,
        "sub-hunan-2": 1,
        "sub-hunan-black": 1,
    }


def test_falling_back_to_one_domain_lifts_the_flag() -> None:
    revoked = with_status(black("food_drug", sequence=2), ListingStatus.REVOKED)
    trigger = change(revoked, FOOD)

    deliveries = plan_intensified(
        trigger, [COURT, FOOD], [COURT, revoked], ALL_SUBS, [HUNAN_AGREEMENT], ON
    )

    assert sorted(d.subscription_id for d in deliveries) == ["sub-guangdong", "sub-hunan"]
    for delivery in deliveries:
        assert delivery.intensified is not None
        assert (delivery.intensified.intensified, delivery.intensified.domains) == (
            False,
            ("court_defaulter",),
        )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param([], [FOOD], id="zero-to-one"),
        pytest.param([COURT, FOOD], [COURT, FOOD, TAX], id="two-to-three"),
        pytest.param([COURT], [COURT, black("court_defaulter", 2)], id="same-domain-again"),
        pytest.param(
            [COURT],
            [COURT, listing(red_entry(domain="trustworthiness_model"))],
            id="red-listing",
        ),
    ],
)
def test_no_flip_means_no_intensified_delivery(before: list[Listing], after: list[Listing]) -> None:
    assert plan(before=before, after=after) == []


def test_a_region_that_does_not_recognise_the_second_domain_is_not_told() -> None:
    court_only = agreement(domains=["court_defaulter"])

    deliveries = plan(before=[COURT], after=[COURT, FOOD], agreements=[court_only])

    assert [d.subscription_id for d in deliveries] == ["sub-guangdong"]


@pytest.mark.parametrize(
    ("sub", "told"),
    [
        pytest.param(
            subscription("s", region=HUNAN, filters=SubscriptionFilters(kinds=(ListKind.RED,))),
            False,
            id="red-only",
        ),
        pytest.param(
            subscription("s", region=HUNAN, filters=SubscriptionFilters(kinds=(ListKind.BLACK,))),
            True,
            id="black-only",
        ),
        pytest.param(
            subscription("s", region=HUNAN, filters=SubscriptionFilters(kinds=tuple(ListKind))),
            True,
            id="both-kinds",
        ),
        pytest.param(
            subscription("s", region=HUNAN, enabled=False), True, id="disabled-catches-up"
        ),
        # the event carries the trigger listing: only where the filters take it (review 35)
        pytest.param(
            subscription("s", region=HUNAN, filters=SubscriptionFilters(domains=("food_drug",))),
            True,
            id="the-trigger-s-domain",
        ),
        pytest.param(
            subscription(
                "s", region=HUNAN, filters=SubscriptionFilters(domains=("major_tax_violation",))
            ),
            False,
            id="another-domain",
        ),
        pytest.param(
            subscription(
                "s", region=HUNAN, filters=SubscriptionFilters(source_regions=("440000",))
            ),
            True,
            id="the-trigger-s-source",
        ),
        pytest.param(
            subscription(
                "s", region=HUNAN, filters=SubscriptionFilters(source_regions=("430000",))
            ),
            False,
            id="another-source",
        ),
    ],
)
def test_only_subscriptions_whose_filters_take_the_trigger_are_told(
    sub: Subscription, told: bool
) -> None:
    assert len(plan(before=[COURT], after=[COURT, FOOD], subs=[sub])) == int(told)


def test_an_intensified_delivery_carries_the_trigger_recognition_for_its_region() -> None:
    [delivery] = plan(before=[COURT], after=[COURT, FOOD], subs=[HUNAN_SUB])

    assert (delivery.recognition.subscriber_region, delivery.recognition.basis) == (
        HUNAN,
        (HUNAN_AGREEMENT.agreement_id,),
    )


def test_intensified_delivery_ids_are_stable_across_planning_runs() -> None:
    first = [d.delivery_id for d in plan(before=[COURT], after=[COURT, FOOD])]
    again = [d.delivery_id for d in plan(before=[COURT], after=[COURT, FOOD])]

    assert first == again


def test_intensified_delivery_ids_differ_per_subscription_and_from_the_listing_change() -> None:
    intensified = plan(before=[COURT], after=[COURT, FOOD])
    changed = plan_deliveries(FOOD_LISTED, ALL_SUBS, [HUNAN_AGREEMENT])

    intensified_ids = {d.delivery_id for d in intensified}
    assert len(intensified_ids) == len(intensified) == 2
    assert intensified_ids.isdisjoint(d.delivery_id for d in changed)


# -- the flag is the subject's: told wherever a listing counted in it is taken (review 36) --

COURT_ONLY = subscription(
    "sub-hunan-court", region=HUNAN, filters=SubscriptionFilters(domains=("court_defaulter",))
)


def test_a_subscription_taking_the_subjects_other_domain_hears_the_flag_with_that_listing() -> None:
    [told] = plan_intensified(
        change(FOOD), [COURT], [COURT, FOOD], [COURT_ONLY], [HUNAN_AGREEMENT], ON
    )

    assert told.subscription_id == COURT_ONLY.subscription_id
    assert told.change.listing.domain == "court_defaulter"  # never the food listing
    assert told.intensified is not None
    assert told.intensified.domains == ("court_defaulter", "food_drug")


def test_and_hears_it_drop_when_the_other_domain_ends() -> None:
    revoked = with_status(black("food_drug", sequence=2), ListingStatus.REVOKED)

    told = plan_intensified(
        change(revoked, FOOD), [COURT, FOOD], [COURT, revoked], [COURT_ONLY], [HUNAN_AGREEMENT], ON
    )

    assert [(d.subscription_id, d.change.listing.domain) for d in told] == [
        (COURT_ONLY.subscription_id, "court_defaulter")
    ]


def reevaluated(listings: list[Listing]) -> list[tuple[str, str]]:
    """The intensified events an agreement making both listings recognised sends."""
    compared = Comparison(HUNAN, [], [HUNAN_AGREEMENT], ON, "agr@1", NOW)
    return [
        (d.subscription_id, d.change.listing.domain)
        for d in subject_changes(listings, compared, [COURT_ONLY])
        if d.type == "subject.intensified"
    ]


def test_a_re_evaluation_tells_the_same_whatever_order_the_listings_are_read_in() -> None:
    assert reevaluated([COURT, FOOD]) == reevaluated([FOOD, COURT])
    assert reevaluated([FOOD, COURT]) == [(COURT_ONLY.subscription_id, "court_defaulter")]
