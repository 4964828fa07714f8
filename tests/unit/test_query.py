"""One-stop query (应查必查): a subject as it applies in one region's jurisdiction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import (
    NOW,
    RESIDENT_ID,
    USCC,
    agreement,
    listing,
    make_resident_id,
    person,
    red_entry,
    with_status,
)

from gateway.recognition.agreement import Agreement
from gateway.recognition.disclosure import ANONYMOUS, Viewer
from gateway.recognition.matching import OWN_SUBTREE
from gateway.recognition.query import subject_view
from gateway_client.contract.codes import mask
from gateway_client.contract.events import NotRecognised
from gateway_client.contract.listing import Listing, ListingStatus

ON = NOW.date()
OPERATOR = Viewer(kind="operator")
HUNAN = "430000"
HUBEI = "420000"
GUANGDONG = "440000"

COURT = listing(domain="court_defaulter", decided_on="2025-03-01")
FOOD = listing(
    domain="food_drug",
    decision_number="清市监罚〔2025〕8号",
    deciding_authority="清远市市场监督管理局",
    decided_on="2025-04-01",
    valid_from="2025-04-02",
)
SECOND_COURT = listing(domain="court_defaulter", decision_number="(2025)粤1802执456号")
EXPIRED_FOOD = with_status(FOOD, ListingStatus.EXPIRED)

MODEL = listing(red_entry(domain="trustworthiness_model", decision_number="清信办〔2025〕3号"))
CLEAN = listing(red_entry(domain="clean_record_three_years", decision_number="清信办〔2025〕4号"))
A_GRADE = listing(red_entry())

COURT_ONLY = agreement("agr-court", domains=["court_defaulter"])
RED_ONLY = agreement("agr-red", kinds=["red"])


# -- without a region --


def test_without_a_region_no_listing_carries_a_recognition() -> None:
    view = subject_view([COURT, FOOD, MODEL], None, [], ON, OPERATOR)

    assert view.as_region is None
    assert [(v.recognised, v.basis, v.measures, v.reasons) for v in view.listings] == [
        (None, (), (), ())
    ] * 3


@pytest.mark.parametrize(
    ("listings", "intensified", "domains"),
    [
        pytest.param([COURT, FOOD], True, ("court_defaulter", "food_drug"), id="two-domains"),
        pytest.param([COURT, EXPIRED_FOOD], False, ("court_defaulter",), id="one-expired"),
        pytest.param([COURT, SECOND_COURT], False, ("court_defaulter",), id="same-domain"),
        pytest.param([COURT, MODEL], False, ("court_defaulter",), id="red-not-counted"),
        pytest.param([MODEL], False, (), id="no-black"),
    ],
)
def test_without_a_region_intensified_counts_the_domains_of_active_black_listings(
    listings: list[Listing], intensified: bool, domains: tuple[str, ...]
) -> None:
    view = subject_view(listings, None, [], ON, OPERATOR)

    assert (view.intensified, view.intensified_domains) == (intensified, domains)


# -- as one region sees it --


def test_as_a_region_each_listing_shows_that_regions_recognition() -> None:
    view = subject_view([COURT, FOOD], HUNAN, [COURT_ONLY], ON, OPERATOR)

    shown = {v.listing.domain: v for v in view.listings}
    assert view.as_region == HUNAN
    assert (shown["court_defaulter"].recognised, shown["court_defaulter"].basis) == (
        True,
        ("agr-court",),
    )
    assert [m.measure_id for m in shown["court_defaulter"].measures] == ["agreed_joint_supervision"]
    assert (shown["food_drug"].recognised, shown["food_drug"].reasons) == (
        False,
        (NotRecognised.DOMAIN_NOT_COVERED,),
    )
    assert shown["food_drug"].measures == ()


def test_as_its_own_province_a_listing_is_recognised_with_the_default_measures() -> None:
    [shown] = subject_view([COURT], GUANGDONG, [], ON, OPERATOR).listings

    assert (shown.recognised, shown.basis) == (True, (OWN_SUBTREE,))
    assert "restrict_high_consumption" in [m.measure_id for m in shown.measures]


@pytest.mark.parametrize(
    ("region", "agreements", "intensified", "domains"),
    [
        pytest.param(GUANGDONG, [], True, ("court_defaulter", "food_drug"), id="own-province"),
        pytest.param(
            HUNAN, [agreement()], True, ("court_defaulter", "food_drug"), id="full-agreement"
        ),
        pytest.param(HUNAN, [COURT_ONLY], False, ("court_defaulter",), id="court-only"),
        pytest.param(HUBEI, [agreement()], False, (), id="agreement-for-another-region"),
        pytest.param(
            HUNAN,
            [agreement(effective_until=str(ON - timedelta(days=1)))],
            False,
            (),
            id="ended-agreement",
        ),
    ],
)
def test_as_a_region_intensified_counts_only_the_domains_that_region_recognises(
    region: str, agreements: list[Agreement], intensified: bool, domains: tuple[str, ...]
) -> None:
    view = subject_view([COURT, FOOD], region, agreements, ON, OPERATOR)

    assert (view.intensified, view.intensified_domains) == (intensified, domains)


def test_listings_are_shown_black_first_then_by_decision_date() -> None:
    view = subject_view([MODEL, FOOD, COURT], None, [], ON, OPERATOR)

    assert [v.listing.listing_id for v in view.listings] == [
        COURT.listing_id,
        FOOD.listing_id,
        MODEL.listing_id,
    ]


# -- green channel --


@pytest.mark.parametrize(
    ("listings", "region", "agreements", "green", "basis"),
    [
        pytest.param([MODEL], GUANGDONG, [], True, [MODEL], id="trustworthiness-model"),
        pytest.param([CLEAN], GUANGDONG, [], True, [CLEAN], id="clean-record-three-years"),
        pytest.param([MODEL, CLEAN], GUANGDONG, [], True, [MODEL, CLEAN], id="both"),
        pytest.param([A_GRADE], GUANGDONG, [], False, [], id="other-red-domain"),
        pytest.param(
            [with_status(MODEL, ListingStatus.REVOKED)], GUANGDONG, [], False, [], id="revoked-red"
        ),
        pytest.param([MODEL, COURT], GUANGDONG, [], False, [], id="with-applying-black"),
        pytest.param(
            [MODEL, with_status(COURT, ListingStatus.EXPIRED)],
            GUANGDONG,
            [],
            False,
            [],
            id="with-black-ended-this-year",
        ),
        pytest.param(
            [MODEL, with_status(COURT, ListingStatus.REVOKED)],
            GUANGDONG,
            [],
            True,
            [MODEL],
            id="with-revoked-black",
        ),
        pytest.param([MODEL, COURT], HUNAN, [RED_ONLY], False, [], id="with-unrecognised-black"),
        pytest.param([MODEL], HUBEI, [], False, [], id="red-not-recognised"),
        pytest.param([MODEL], None, [], True, [MODEL], id="no-region"),
        pytest.param([MODEL, COURT], None, [], False, [], id="no-region-with-black"),
    ],
)
def test_the_green_channel_opens_for_an_applying_trustworthy_red_listing_and_a_clean_history(
    listings: list[Listing],
    region: str | None,
    agreements: list[Agreement],
    green: bool,
    basis: list[Listing],
) -> None:
    view = subject_view(listings, region, agreements, ON, OPERATOR)

    assert view.benefits.green_channel is green
    assert set(view.benefits.basis) == {x.listing_id for x in basis}


# -- personal data (who sees what: test_disclosure.py) --


def signed_by(region: str) -> Viewer:
    return Viewer(kind="region", region=region, key_id=f"k-{region}")


PERSON_ID = make_resident_id("19850315", 217, "110108")


def natural_person_listing() -> Listing:
    return listing(
        credit_code=RESIDENT_ID,
        subject_name="李某某",
        responsible_persons=[person("李某某", "directly_responsible", PERSON_ID)],
    )


def legal_person_listing() -> Listing:
    return listing(responsible_persons=[person("王某某", "legal_representative", PERSON_ID)])


@pytest.mark.parametrize("as_region", [None, GUANGDONG, HUBEI], ids=["no-as", "as-own", "as-other"])
def test_resident_ids_are_masked_for_a_signer_that_does_not_recognise_the_listing(
    as_region: str | None,
) -> None:
    """湖北 signs; ``as`` another region, even the owner's province, grants it nothing."""
    view = subject_view([natural_person_listing()], as_region, [], ON, signed_by(HUBEI))

    assert view is not None
    [shown] = view.listings
    assert view.credit_code == shown.listing.credit_code == mask(RESIDENT_ID)
    assert [p.id_number for p in shown.listing.responsible_persons] == [mask(PERSON_ID)]
    assert RESIDENT_ID not in view.model_dump_json()
    assert PERSON_ID not in view.model_dump_json()


@pytest.mark.parametrize(
    "viewer", [OPERATOR, signed_by(GUANGDONG)], ids=["operator", "recognising-province"]
)
def test_resident_ids_are_shown_in_full_to_the_operator_and_a_recognising_region(
    viewer: Viewer,
) -> None:
    view = subject_view([natural_person_listing()], HUBEI, [], ON, viewer)

    assert view is not None
    [shown] = view.listings
    assert view.credit_code == shown.listing.credit_code == RESIDENT_ID
    assert [p.id_number for p in shown.listing.responsible_persons] == [PERSON_ID]


def test_anyone_sees_a_legal_persons_code_but_not_its_representatives_id() -> None:
    view = subject_view([legal_person_listing()], None, [], ON, ANONYMOUS)

    assert view is not None
    [shown] = view.listings
    assert view.credit_code == shown.listing.credit_code == USCC
    assert [(p.name, p.id_number) for p in shown.listing.responsible_persons] == [("王某某", None)]


def test_the_subject_is_named_as_in_its_latest_accepted_listing() -> None:
    older = listing(subject_name="清远某某建材有限公司", accepted_at=NOW - timedelta(days=9))
    newer = listing(domain="food_drug", subject_name="清远某某新材料有限公司", accepted_at=NOW)

    view = subject_view([newer, older], None, [], ON, OPERATOR)

    assert (view.subject_name, view.subject_type) == ("清远某某新材料有限公司", "legal_person")
