"""Re-evaluation: an agreement signed, revised or ended reaches the listings already held."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from builders import (
    NOW,
    RESIDENT_ID,
    agreement,
    listing,
    make_uscc,
    measure,
    red_entry,
    subscription,
    with_status,
)

from gateway.delivery.planning import Delivery
from gateway.delivery.reevaluation import recognition_changes
from gateway.delivery.subscription import Subscription
from gateway.recognition.agreement import Agreement
from gateway_client.contract.codes import mask
from gateway_client.contract.events import NotRecognised
from gateway_client.contract.filters import SubscriptionFilters
from gateway_client.contract.listing import Listing, ListingStatus

ON = NOW.date()
HUNAN = "430000"
HUBEI = "420000"
GUANGDONG = "440000"

SIGNED = agreement("agr-hunan-guangdong", revision=1)  # 湖南 recognises 广东's black lists
CAUSE = "agr-hunan-guangdong@1"

HUNAN_1 = subscription("sub-hunan-1", region=HUNAN)
HUNAN_2 = subscription("sub-hunan-2", region=HUNAN)
HUBEI_SUB = subscription("sub-hubei", region=HUBEI)
GUANGDONG_SUB = subscription("sub-guangdong", region=GUANGDONG)
ALL_SUBS = [HUNAN_1, HUNAN_2, HUBEI_SUB, GUANGDONG_SUB]

# Two different subjects, each black-listed once in 广东.
COURT = listing(domain="court_defaulter")
OTHER_FOOD = listing(credit_code=make_uscc(7), domain="food_drug", origin_region="441802")
# A second listing of COURT's subject, in another domain.
FOOD = listing(domain="food_drug", decision_number="清市监罚〔2025〕8号")


def reevaluate(
    subjects: Sequence[Sequence[Listing]],
    before: Sequence[Agreement] = (),
    after: Sequence[Agreement] = (SIGNED,),
    subs: Sequence[Subscription] = tuple(ALL_SUBS),
    cause: str = CAUSE,
) -> list[Delivery]:
    """Hunan's deliveries for an agreement change from ``before`` to ``after``."""
    return recognition_changes(subjects, HUNAN, before, after, subs, cause, NOW)


def of_type(deliveries: list[Delivery], event: str) -> list[Delivery]:
    return [d for d in deliveries if d.type == event]


# -- signing --


def test_signing_tells_each_regional_subscription_once_per_newly_recognised_listing() -> None:
    deliveries = reevaluate([[COURT], [OTHER_FOOD]])

    assert Counter((d.change.listing.listing_id, d.subscription_id) for d in deliveries) == {
        (COURT.listing_id, "sub-hunan-1"): 1,
        (COURT.listing_id, "sub-hunan-2"): 1,
        (OTHER_FOOD.listing_id, "sub-hunan-1"): 1,
        (OTHER_FOOD.listing_id, "sub-hunan-2"): 1,
    }


def test_a_newly_recognised_listing_is_restated_with_its_new_recognition() -> None:
    [delivery] = reevaluate([[COURT]], subs=[HUNAN_1])

    assert delivery.type == "recognition.changed"
    assert (delivery.change.type, delivery.change.listing) == ("recognition", COURT)
    assert (delivery.recognition.recognised, delivery.recognition.basis) == (
        True,
        (SIGNED.agreement_id,),
    )
    assert [m.measure_id for m in delivery.recognition.measures] == ["agreed_joint_supervision"]


def test_other_regions_subscriptions_hear_nothing() -> None:
    deliveries = reevaluate([[COURT], [COURT, FOOD]])

    assert {d.subscription_id for d in deliveries} == {"sub-hunan-1", "sub-hunan-2"}


def test_a_disabled_subscription_is_still_told_so_it_can_catch_up_when_enabled() -> None:
    disabled = subscription("sub-hunan-off", region=HUNAN, enabled=False)

    assert reevaluate([[COURT], [COURT, FOOD]], subs=[disabled]) != []


def test_a_subscription_hears_only_listings_its_filters_match() -> None:
    food_only = subscription(
        "sub-hunan-food", region=HUNAN, filters=SubscriptionFilters(domains=("food_drug",))
    )

    deliveries = reevaluate([[COURT], [OTHER_FOOD]], subs=[food_only])

    assert [d.change.listing.listing_id for d in deliveries] == [OTHER_FOOD.listing_id]


def test_a_recognised_only_subscription_hears_a_listing_that_becomes_recognised() -> None:
    recognised_only = Subscription.model_validate({**HUNAN_1.model_dump(), "recognised_only": True})

    [delivery] = reevaluate([[COURT]], subs=[recognised_only])

    assert delivery.recognition.recognised


@pytest.mark.parametrize(
    ("subject", "after"),
    [
        pytest.param([listing(red_entry())], [SIGNED], id="red-stays-unrecognised"),
        pytest.param(
            [listing(origin_region="420100")], [SIGNED], id="other-source-stays-unrecognised"
        ),
        pytest.param([COURT], [agreement(domains=["food_drug"])], id="other-domain-unrecognised"),
        pytest.param([listing(origin_region="430100")], [SIGNED], id="own-subtree-unchanged"),
        pytest.param([COURT], [agreement(subscriber_region=HUBEI)], id="agreement-for-hubei"),
    ],
)
def test_listings_whose_recognition_does_not_change_produce_nothing(
    subject: list[Listing], after: list[Agreement]
) -> None:
    assert reevaluate([subject], after=after) == []


def test_a_revision_that_keeps_recognition_and_measures_produces_nothing() -> None:
    retitled = agreement(revision=2, title="湘粤失信联合惩戒合作备忘录（修订）")

    assert reevaluate([[COURT]], before=[SIGNED], after=[retitled], cause="agr@2") == []


def test_a_revision_that_changes_the_measures_restates_the_listing_with_the_new_measures() -> None:
    stricter = agreement(revision=2, measures=[measure(), measure("agreed_market_ban")])

    [delivery] = reevaluate([[COURT]], before=[SIGNED], after=[stricter], subs=[HUNAN_1])

    assert delivery.recognition.recognised
    assert [m.measure_id for m in delivery.recognition.measures] == [
        "agreed_joint_supervision",
        "agreed_market_ban",
    ]


@pytest.mark.parametrize(
    "status",
    [s for s in ListingStatus if s is not ListingStatus.ACTIVE],
    ids=lambda s: str(s),
)
def test_listings_that_are_not_active_produce_nothing(status: ListingStatus) -> None:
    inactive = with_status(COURT, status)

    assert reevaluate([[inactive]]) == []


def test_listings_that_are_not_active_do_not_count_towards_intensified() -> None:
    revoked_food = with_status(FOOD, ListingStatus.REVOKED)

    deliveries = reevaluate([[COURT, revoked_food]])

    assert of_type(deliveries, "subject.intensified") == []
    assert {d.change.listing.listing_id for d in deliveries} == {COURT.listing_id}


# -- ending --


@pytest.mark.parametrize(
    "ends_on",
    [pytest.param(ON, id="ends-today"), pytest.param(ON - timedelta(days=30), id="ended-earlier")],
)
def test_ending_an_agreement_tells_subscribers_the_listing_is_no_longer_recognised(
    ends_on: date,
) -> None:
    ended = agreement(revision=2, effective_until=str(ends_on))

    deliveries = reevaluate([[COURT]], before=[SIGNED], after=[ended], cause="agr@2")

    assert sorted(d.subscription_id for d in deliveries) == ["sub-hunan-1", "sub-hunan-2"]
    for delivery in deliveries:
        assert delivery.type == "recognition.changed"
        assert (delivery.recognition.recognised, delivery.recognition.reasons) == (
            False,
            (NotRecognised.NO_LONGER_EFFECTIVE,),
        )


def test_an_agreement_ending_tomorrow_still_recognises_today() -> None:
    ending = agreement(revision=2, effective_until=str(ON + timedelta(days=1)))

    assert reevaluate([[COURT]], before=[SIGNED], after=[ending], cause="agr@2") == []


def test_a_natural_person_no_longer_recognised_is_restated_with_masked_ids() -> None:
    person_listing = listing(credit_code=RESIDENT_ID, subject_name="李某某")
    ended = agreement(revision=2, effective_until=str(ON))

    [delivery] = reevaluate([[person_listing]], before=[SIGNED], after=[ended], subs=[HUNAN_1])

    assert delivery.change.listing.credit_code == mask(RESIDENT_ID)


# -- delivery ids --


def test_the_same_agreement_change_gives_the_same_delivery_ids() -> None:
    first = [d.delivery_id for d in reevaluate([[COURT, FOOD]])]
    again = [d.delivery_id for d in reevaluate([[COURT, FOOD]])]

    assert first == again


def test_two_revisions_of_an_agreement_give_distinct_delivery_ids() -> None:
    revision_1 = {d.delivery_id for d in reevaluate([[COURT, FOOD]], cause="agr@1")}
    revision_2 = {d.delivery_id for d in reevaluate([[COURT, FOOD]], cause="agr@2")}

    assert revision_1.isdisjoint(revision_2)


def test_every_delivery_of_one_agreement_change_has_its_own_id() -> None:
    deliveries = reevaluate([[COURT, FOOD], [OTHER_FOOD]])

    assert len({d.delivery_id for d in deliveries}) == len(deliveries)


# -- intensified --


def test_a_subject_crossing_into_two_recognised_domains_is_flagged_once_per_subscription() -> None:
    deliveries = reevaluate([[COURT, FOOD]])

    flagged = of_type(deliveries, "subject.intensified")
    assert sorted(d.subscription_id for d in flagged) == ["sub-hunan-1", "sub-hunan-2"]
    for delivery in flagged:
        assert delivery.intensified is not None
        assert delivery.intensified.model_dump() == {
            "credit_code": COURT.credit_code,
            "intensified": True,
            "domains": ("court_defaulter", "food_drug"),
        }
    assert len(of_type(deliveries, "recognition.changed")) == 4


def test_an_agreement_recognising_one_more_domain_can_tip_a_subject_over() -> None:
    own = listing(domain="court_defaulter", origin_region="430100")  # recognised by Hunan already

    deliveries = reevaluate([[own, FOOD]], subs=[HUNAN_1])

    assert [(d.type, d.change.listing.listing_id) for d in deliveries if not d.intensified] == [
        ("recognition.changed", FOOD.listing_id)
    ]
    [flagged] = of_type(deliveries, "subject.intensified")
    assert flagged.intensified is not None
    assert flagged.intensified.intensified


def test_ending_the_agreement_lifts_the_flag() -> None:
    ended = agreement(revision=2, effective_until=str(ON))

    deliveries = reevaluate([[COURT, FOOD]], before=[SIGNED], after=[ended], subs=[HUNAN_1])

    [flagged] = of_type(deliveries, "subject.intensified")
    assert flagged.intensified is not None
    assert (flagged.intensified.intensified, flagged.intensified.domains) == (False, ())


def test_a_subject_that_stays_below_two_domains_is_not_flagged() -> None:
    court_only = agreement(domains=["court_defaulter"])

    deliveries = reevaluate([[COURT, FOOD]], after=[court_only])

    assert of_type(deliveries, "subject.intensified") == []


def test_a_red_only_subscription_is_not_flagged() -> None:
    red_only = subscription(
        "sub-hunan-red", region=HUNAN, filters=SubscriptionFilters(kinds=("red",))
    )

    assert reevaluate([[COURT, FOOD]], subs=[red_only]) == []


def natural_person(domain: str, origin: str = "441800") -> Listing:
    return listing(
        credit_code=RESIDENT_ID,
        subject_name="李某某",
        domain=domain,
        decision_number=f"{domain}-1",
        origin_region=origin,
    )


@pytest.mark.parametrize(
    ("subject", "before", "after"),
    [
        pytest.param(
            [natural_person("court_defaulter"), natural_person("food_drug")],
            [SIGNED],
            [agreement(revision=2, effective_until=str(ON))],
            id="agreement-ended",
        ),
        pytest.param(
            [
                natural_person("work_safety", origin="420100"),
                natural_person("court_defaulter"),
                natural_person("food_drug"),
            ],
            [],
            [SIGNED],
            id="first-black-listing-unrecognised",
        ),
    ],
)
def test_an_intensified_delivery_names_the_subject_as_its_own_listing_does(
    subject: list[Listing], before: list[Agreement], after: list[Agreement]
) -> None:
    deliveries = reevaluate([subject], before=before, after=after, subs=[HUNAN_1])

    [flagged] = of_type(deliveries, "subject.intensified")
    assert flagged.intensified is not None
    assert flagged.intensified.credit_code == flagged.change.listing.credit_code
