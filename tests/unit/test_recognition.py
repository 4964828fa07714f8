"""Recognition: how one subscribing region sees one listing, under its agreements."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from builders import (
    COUNTY,
    FOOD_DRUG,
    NOW,
    RESIDENT_ID,
    USCC,
    agreement,
    agreement_terms,
    change,
    entry,
    listing,
    make_resident_id,
    measure,
    person,
    red_entry,
    subscription,
)
from pydantic import ValidationError

from gateway.delivery.planning import plan_deliveries
from gateway.delivery.subscription import Subscription
from gateway.recognition.agreement import Agreement, AgreementTerms, SourceScope
from gateway.recognition.matching import OWN_SUBTREE, recognise
from gateway_client.contract.catalogue import ListKind, Severity
from gateway_client.contract.codes import mask
from gateway_client.contract.events import NotRecognised, Recognition
from gateway_client.contract.listing import Listing

ON = NOW.date()
HUNAN = "430000"
HUBEI = "420000"
GUANGDONG = "440000"
QINGYUAN = "441800"  # 清远市, origin of the default listing


def ids(recognition: Recognition) -> list[str]:
    return [m.measure_id for m in recognition.measures]


# -- a region's own subtree --


@pytest.mark.parametrize(
    ("subscriber", "origin"),
    [
        pytest.param(GUANGDONG, QINGYUAN, id="province-recognises-its-city"),
        pytest.param(GUANGDONG, COUNTY, id="province-recognises-its-county"),
        pytest.param(QINGYUAN, COUNTY, id="city-recognises-its-county"),
        pytest.param(COUNTY, COUNTY, id="county-recognises-itself"),
    ],
)
def test_a_region_recognises_its_own_subtree_with_the_catalogue_default_measures(
    subscriber: str, origin: str
) -> None:
    held = listing(origin_region=origin)

    outcome = recognise(held, subscriber, [], ON)

    assert (outcome.recognised, outcome.basis, outcome.reasons) == (True, (OWN_SUBTREE,), ())
    assert ids(outcome) == [  # mandatory first, each group by id; a serious court defaulter
        "key_supervision",
        "restrict_exit",
        "restrict_fiscal_funds",
        "restrict_high_consumption",
        "restrict_public_resource_trading",
        "restrict_real_estate",
        "strict_licensing_review",
        "financial_risk_pricing",
        "industry_discipline",
        "market_entry_ban",
        "public_disclosure",
        "restrict_financial_institutions",
        "restrict_financing",
        "restrict_franchise",
        "restrict_internet_information_services",
        "restrict_key_projects",
        "restrict_new_project_approval",
        "revoke_honours",
        "strict_production_licence",
    ]


@pytest.mark.parametrize(
    ("subscriber", "origin"),
    [
        pytest.param(COUNTY, GUANGDONG, id="county-not-its-province"),
        pytest.param(COUNTY, QINGYUAN, id="county-not-its-city"),
        pytest.param("441803", COUNTY, id="county-not-its-sibling"),
        pytest.param(HUNAN, COUNTY, id="province-not-another-province"),
    ],
)
def test_a_region_does_not_recognise_listings_from_outside_its_subtree_without_an_agreement(
    subscriber: str, origin: str
) -> None:
    outcome = recognise(listing(origin_region=origin), subscriber, [], ON)

    assert outcome == Recognition(
        subscriber_region=subscriber,
        recognised=False,
        reasons=(NotRecognised.NO_AGREEMENT,),
    )


@pytest.mark.parametrize(
    ("entry_fields", "present", "absent"),
    [
        pytest.param(
            entry(domain="court_defaulter", severity="serious"),
            {"restrict_high_consumption", "market_entry_ban", "key_supervision"},
            {"green_channel"},
            id="serious-court-defaulter",
        ),
        pytest.param(
            entry(domain="food_drug", severity="relatively_serious"),
            {"key_supervision", "revoke_honours"},
            {"restrict_high_consumption", "market_entry_ban", "green_channel"},
            id="relatively-serious-food-drug",
        ),
        pytest.param(
            red_entry(),
            {"green_channel", "fewer_inspections", "credit_bonus_points"},
            {"key_supervision", "market_entry_ban", "restrict_high_consumption"},
            id="red-a-grade-taxpayer",
        ),
    ],
)
@pytest.mark.usefixtures("every_severity_punishes")
def test_own_subtree_defaults_are_only_the_catalogue_measures_that_fit_the_listing(
    entry_fields: dict[str, Any], present: set[str], absent: set[str]
) -> None:
    outcome = recognise(listing(entry_fields), GUANGDONG, [], ON)

    assert present <= set(ids(outcome))
    assert not absent & set(ids(outcome))


def test_own_subtree_default_measures_are_ordered_mandatory_first_then_by_id() -> None:
    outcome = recognise(listing(entry(domain="food_drug")), GUANGDONG, [], ON)

    flags = [m.mandatory for m in outcome.measures]
    assert flags == sorted(flags, reverse=True)
    mandatory = [m.measure_id for m in outcome.measures if m.mandatory]
    recommended = [m.measure_id for m in outcome.measures if not m.mandatory]
    assert (mandatory, recommended) == (sorted(mandatory), sorted(recommended))


def test_an_agreement_adds_its_basis_and_measures_to_the_own_subtree_defaults() -> None:
    extra = measure("provincial_extra_review", mandatory=False)
    own_too = agreement(subscriber_region=GUANGDONG, measures=[extra])

    outcome = recognise(listing(), GUANGDONG, [own_too], ON)

    assert outcome.basis == (OWN_SUBTREE, own_too.agreement_id)
    assert {"provincial_extra_review", "key_supervision"} <= set(ids(outcome))


# -- source scopes --


@pytest.mark.parametrize(
    ("scope", "origin", "covered"),
    [
        pytest.param(SourceScope(region="430000", subtree=True), "430000", True, id="tree-root"),
        pytest.param(SourceScope(region="430000", subtree=True), "430100", True, id="tree-city"),
        pytest.param(SourceScope(region="430000", subtree=True), "431102", True, id="tree-county"),
        pytest.param(SourceScope(region="430000", subtree=True), "440000", False, id="tree-other"),
        pytest.param(SourceScope(region="430000", subtree=False), "430000", True, id="exact-root"),
        pytest.param(SourceScope(region="430000", subtree=False), "430100", False, id="exact-city"),
        pytest.param(
            SourceScope(region="430000", subtree=False), "431102", False, id="exact-county"
        ),
        pytest.param(SourceScope(region="430100", subtree=True), "430000", False, id="not-upward"),
    ],
)
def test_a_source_scope_covers_its_region_and_its_subtree_only_when_asked(
    scope: SourceScope, origin: str, covered: bool
) -> None:
    assert scope.covers(origin) is covered


def test_a_source_scope_covers_its_subtree_by_default() -> None:
    assert SourceScope(region="430000").covers("431102")


@pytest.mark.parametrize(
    ("subtree", "origin", "recognised"),
    [
        pytest.param(True, "430000", True, id="subtree-province"),
        pytest.param(True, "430100", True, id="subtree-city"),
        pytest.param(True, "431102", True, id="subtree-county"),
        pytest.param(False, "430000", True, id="exact-province"),
        pytest.param(False, "430100", False, id="exact-city"),
        pytest.param(False, "431102", False, id="exact-county"),
    ],
)
def test_an_agreement_recognises_listings_from_the_regions_its_sources_cover(
    subtree: bool, origin: str, recognised: bool
) -> None:
    beijing_from_hunan = agreement(
        subscriber_region="110000", sources=[{"region": "430000", "subtree": subtree}]
    )

    outcome = recognise(listing(origin_region=origin), "110000", [beijing_from_hunan], ON)

    assert outcome.recognised is recognised
    if not recognised:
        assert outcome.reasons == (NotRecognised.NO_AGREEMENT,)


# -- what an agreement covers --


def test_an_agreement_for_black_lists_does_not_recognise_a_red_listing() -> None:
    outcome = recognise(listing(red_entry()), HUNAN, [agreement(kinds=["black"])], ON)

    assert (outcome.recognised, outcome.reasons) == (False, (NotRecognised.KIND_NOT_COVERED,))


@pytest.mark.parametrize("restated", [None, ["red"], ["black", "red"]], ids=str)
def test_a_catalogue_measure_applies_to_the_catalogues_kinds_whatever_the_body_restates(
    restated: list[str] | None,
) -> None:
    """从严审核 punishes black listings only, 绿色通道 rewards red ones only: a body that leaves
    ``kinds`` out (the default: both) or restates others applies them as the catalogue does."""
    kinds = {} if restated is None else {"kinds": restated}
    strict = {"measure_id": "strict_licensing_review", "text": "从严审核", "department": "各部门"}
    green = {"measure_id": "green_channel", "text": "绿色通道", "department": "各部门"}
    measures = [{**m, "mandatory": False, **kinds} for m in (strict, green)]
    stored = agreement(kinds=["black", "red"], min_severity=None, measures=measures)
    both = stored.as_catalogue_says()  # as signing or revising saves it

    black = recognise(listing(entry()), HUNAN, [both], ON)
    red = recognise(listing(red_entry()), HUNAN, [both], ON)

    assert [m.kinds for m in both.measures] == [(ListKind.BLACK,), (ListKind.RED,)]
    assert ("strict_licensing_review" in ids(black), "green_channel" in ids(black)) == (True, False)
    assert ("strict_licensing_review" in ids(red), "green_channel" in ids(red)) == (False, True)
    # one stored before applies as stored until revised (its revision's re-evaluation tells)
    assert [m.kinds for m in stored.measures] == [
        tuple(ListKind(k) for k in (restated or ["black", "red"]))
    ] * 2


def test_an_agreement_for_red_lists_recognises_a_red_listing() -> None:
    outcome = recognise(listing(red_entry()), HUNAN, [agreement(kinds=["red"])], ON)

    assert outcome.recognised


@pytest.mark.parametrize(
    ("domains", "listed_domain", "recognised"),
    [
        pytest.param(["food_drug"], "court_defaulter", False, id="other-domain"),
        pytest.param(["food_drug", "court_defaulter"], "court_defaulter", True, id="named-domain"),
        pytest.param([], "court_defaulter", True, id="no-domains-means-all"),
    ],
)
def test_an_agreement_recognises_only_the_domains_it_names(
    domains: list[str], listed_domain: str, recognised: bool
) -> None:
    outcome = recognise(listing(domain=listed_domain), HUNAN, [agreement(domains=domains)], ON)

    assert outcome.recognised is recognised
    if not recognised:
        assert outcome.reasons == (NotRecognised.DOMAIN_NOT_COVERED,)


GENERAL, RELATIVELY, SERIOUS = Severity.GENERAL, Severity.RELATIVELY_SERIOUS, Severity.SERIOUS


@pytest.mark.parametrize(
    ("threshold", "severity", "recognised"),
    [
        pytest.param(None, GENERAL, True, id="no-minimum-general"),
        pytest.param(None, SERIOUS, True, id="no-minimum-serious"),
        pytest.param(GENERAL, GENERAL, True, id="min-general-general"),
        pytest.param(GENERAL, RELATIVELY, True, id="min-general-relatively-serious"),
        pytest.param(GENERAL, SERIOUS, True, id="min-general-serious"),
        pytest.param(RELATIVELY, GENERAL, False, id="min-relatively-serious-general"),
        pytest.param(RELATIVELY, RELATIVELY, True, id="min-relatively-serious-relatively-serious"),
        pytest.param(RELATIVELY, SERIOUS, True, id="min-relatively-serious-serious"),
        pytest.param(SERIOUS, GENERAL, False, id="min-serious-general"),
        pytest.param(SERIOUS, RELATIVELY, False, id="min-serious-relatively-serious"),
        pytest.param(SERIOUS, SERIOUS, True, id="min-serious-serious"),
    ],
)
def test_a_minimum_severity_recognises_black_listings_at_or_above_it(
    threshold: Severity | None, severity: Severity, recognised: bool
) -> None:
    terms = agreement(min_severity=threshold)

    # a domain whose severity is the pushed one (a court defaulter is serious by law)
    outcome = recognise(listing(entry(**FOOD_DRUG), severity=severity), HUNAN, [terms], ON)

    assert outcome.recognised is recognised
    if not recognised:
        assert outcome.reasons == (NotRecognised.SEVERITY_BELOW_THRESHOLD,)


def test_a_court_defaulter_passes_any_minimum_severity_whatever_was_pushed() -> None:
    terms = agreement(min_severity=SERIOUS)

    assert recognise(listing(severity=GENERAL), HUNAN, [terms], ON).recognised


def test_a_minimum_severity_does_not_exclude_red_listings() -> None:
    terms = agreement(kinds=["black", "red"], min_severity="serious")

    assert recognise(listing(red_entry()), HUNAN, [terms], ON).recognised


@pytest.mark.parametrize(
    ("on", "reasons"),
    [
        pytest.param(date(2025, 5, 31), (NotRecognised.NOT_YET_EFFECTIVE,), id="day-before"),
        pytest.param(date(2025, 6, 1), (), id="first-day"),
        pytest.param(date(2025, 12, 30), (), id="last-day"),
        pytest.param(date(2025, 12, 31), (NotRecognised.NO_LONGER_EFFECTIVE,), id="until-day"),
        pytest.param(date(2026, 1, 1), (NotRecognised.NO_LONGER_EFFECTIVE,), id="after-until"),
    ],
)
def test_an_agreement_recognises_only_within_its_effective_period(
    on: date, reasons: tuple[NotRecognised, ...]
) -> None:
    terms = agreement(effective_from="2025-06-01", effective_until="2025-12-31")

    outcome = recognise(listing(), HUNAN, [terms], on)

    assert (outcome.recognised, outcome.reasons) == (not reasons, reasons)


def test_an_agreement_without_an_end_date_stays_effective() -> None:
    assert recognise(listing(), HUNAN, [agreement()], date(2040, 1, 1)).recognised


# -- several agreements, or none --


def test_without_any_agreement_the_only_reason_is_no_agreement() -> None:
    outcome = recognise(listing(), HUNAN, [], ON)

    assert (outcome.recognised, outcome.basis, outcome.measures, outcome.reasons) == (
        False,
        (),
        (),
        (NotRecognised.NO_AGREEMENT,),
    )


def test_an_agreement_whose_sources_do_not_cover_the_origin_counts_as_no_agreement() -> None:
    from_hubei = agreement(sources=[{"region": HUBEI}])

    assert recognise(listing(), HUNAN, [from_hubei], ON).reasons == (NotRecognised.NO_AGREEMENT,)


def test_an_agreement_signed_for_another_subscriber_region_is_ignored() -> None:
    for_beijing = agreement(subscriber_region="110000")

    hunan = recognise(listing(), HUNAN, [for_beijing], ON)
    beijing = recognise(listing(), "110000", [for_beijing], ON)

    assert (hunan.recognised, hunan.reasons) == (False, (NotRecognised.NO_AGREEMENT,))
    assert (beijing.recognised, beijing.basis) == (True, (for_beijing.agreement_id,))


def test_two_recognising_agreements_are_both_the_basis_and_their_measures_merge() -> None:
    first = agreement(
        "agr-a",
        measures=[measure("shared_review", mandatory=True), measure("zeta_hint", mandatory=False)],
    )
    second = agreement(
        "agr-b",
        measures=[
            measure("shared_review", mandatory=True),
            measure("alpha_ban", mandatory=True),
            measure("beta_hint", mandatory=False),
        ],
    )

    outcome = recognise(listing(), HUNAN, [first, second], ON)

    assert outcome.basis == ("agr-a", "agr-b")
    assert [(m.measure_id, m.mandatory) for m in outcome.measures] == [
        ("alpha_ban", True),
        ("shared_review", True),
        ("beta_hint", False),
        ("zeta_hint", False),
    ]


def test_one_recognising_agreement_is_enough_even_when_another_excludes() -> None:
    red_only = agreement("agr-red", kinds=["red"])
    black = agreement("agr-black")

    outcome = recognise(listing(), HUNAN, [red_only, black], ON)

    assert (outcome.recognised, outcome.basis, outcome.reasons) == (True, ("agr-black",), ())


def test_each_reason_for_not_recognising_is_reported_once() -> None:
    agreements = [
        agreement("agr-red-1", kinds=["red"]),
        agreement("agr-food", domains=["food_drug"]),
        agreement("agr-red-2", kinds=["red"]),
    ]

    outcome = recognise(listing(), HUNAN, agreements, ON)

    assert outcome.reasons == (
        NotRecognised.KIND_NOT_COVERED,
        NotRecognised.DOMAIN_NOT_COVERED,
    )


# -- which of an agreement's measures apply --


@pytest.mark.parametrize(
    ("narrowed", "entry_fields", "attached"),
    [
        pytest.param(
            {"domains": ["court_defaulter"]}, entry(domain="food_drug"), False, id="other-domain"
        ),
        pytest.param(
            {"domains": ["court_defaulter"]}, entry(domain="court_defaulter"), True, id="its-domain"
        ),
        pytest.param({"kinds": ["red"]}, entry(), False, id="red-only-on-black"),
        pytest.param({"kinds": ["red"]}, red_entry(), True, id="red-only-on-red"),
        pytest.param({"kinds": ["black"]}, red_entry(), False, id="black-only-on-red"),
        pytest.param(
            {"min_severity": "serious"},
            entry(**FOOD_DRUG, severity="relatively_serious"),
            False,
            id="below-min-severity",
        ),
        pytest.param(
            {"min_severity": "serious"},
            entry(severity="relatively_serious"),
            True,
            id="court-defaulter-serious-by-law",
        ),
        pytest.param(
            {"min_severity": "relatively_serious"},
            entry(severity="serious"),
            True,
            id="above-min-severity",
        ),
        pytest.param({"min_severity": "general"}, red_entry(), False, id="min-severity-on-red"),
    ],
)
@pytest.mark.usefixtures("every_severity_punishes")
def test_only_the_agreement_measures_that_apply_to_the_listing_are_attached(
    narrowed: dict[str, Any], entry_fields: dict[str, Any], attached: bool
) -> None:
    terms = agreement(
        kinds=["black", "red"],
        measures=[measure("always_applies"), measure("narrowed_measure", **narrowed)],
    )

    outcome = recognise(listing(entry_fields), HUNAN, [terms], ON)

    assert outcome.recognised
    assert ("narrowed_measure" in ids(outcome)) is attached
    assert "always_applies" in ids(outcome)


# -- agreement terms --


def test_valid_agreement_terms_are_accepted() -> None:
    terms = AgreementTerms.model_validate(agreement_terms(domains=["food_drug"]))

    assert (terms.subscriber_region, terms.kinds, terms.domains) == (
        HUNAN,
        (ListKind.BLACK,),
        ("food_drug",),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "error_type"),
    [
        pytest.param({"domains": ["no_such_domain"]}, "domains", "unknown_domain", id="domain"),
        pytest.param(
            {"effective_from": "2025-06-02", "effective_until": "2025-06-01"},
            "effective_until",
            "dates_out_of_order",
            id="dates",
        ),
        pytest.param({"kinds": []}, "kinds", "too_short", id="no-kinds"),
        pytest.param({"measures": []}, "measures", "too_short", id="no-measures"),
        pytest.param({"sources": []}, "sources", "too_short", id="no-sources"),
        pytest.param(
            {"subscriber_region": "43000"}, "subscriber_region", "value_error", id="region"
        ),
    ],
)
def test_invalid_agreement_terms_are_rejected_with_a_stable_error_type(
    overrides: dict[str, Any], field: str, error_type: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        AgreementTerms.model_validate(agreement_terms(**overrides))

    assert [(e["loc"][0], e["type"]) for e in raised.value.errors()] == [(field, error_type)]


def test_an_unknown_domain_error_names_the_domain() -> None:
    with pytest.raises(ValidationError) as raised:
        AgreementTerms.model_validate(agreement_terms(domains=["food_drug", "moon_mining"]))

    assert "moon_mining" in raised.value.errors()[0]["msg"]


def test_an_agreement_may_end_on_the_day_it_starts() -> None:
    terms = AgreementTerms.model_validate(
        agreement_terms(effective_from="2025-06-02", effective_until="2025-06-02")
    )

    assert terms.effective_until == terms.effective_from


# -- deliveries carry each subscriber's own recognition --

HUNAN_SUB = subscription("sub-hunan", region=HUNAN)
HUBEI_SUB = subscription("sub-hubei", region=HUBEI)


def only_recognised(sub: Subscription) -> Subscription:
    return Subscription.model_validate({**sub.model_dump(), "recognised_only": True})


def by_subscription(
    held: Listing, subs: list[Subscription], agreements: list[Agreement]
) -> dict[str, Recognition]:
    return {
        d.subscription_id: d.recognition for d in plan_deliveries(change(held), subs, agreements)
    }


@pytest.mark.parametrize(
    ("hubei_agreements", "hubei_reasons"),
    [
        pytest.param([], (NotRecognised.NO_AGREEMENT,), id="hubei-without-agreement"),
        pytest.param(
            [agreement("agr-hubei-red", subscriber_region=HUBEI, kinds=["red"])],
            (NotRecognised.KIND_NOT_COVERED,),
            id="hubei-red-only",
        ),
        pytest.param(
            [agreement("agr-hubei-food", subscriber_region=HUBEI, domains=["food_drug"])],
            (NotRecognised.DOMAIN_NOT_COVERED,),
            id="hubei-food-drug-only",
        ),
    ],
)
def test_each_delivery_carries_the_recognition_for_its_own_subscriber_region(
    hubei_agreements: list[Agreement], hubei_reasons: tuple[NotRecognised, ...]
) -> None:
    hunan_agreement = agreement()

    outcomes = by_subscription(
        listing(), [HUNAN_SUB, HUBEI_SUB], [hunan_agreement, *hubei_agreements]
    )

    assert outcomes["sub-hunan"].subscriber_region == HUNAN
    assert (outcomes["sub-hunan"].recognised, outcomes["sub-hunan"].basis) == (
        True,
        (hunan_agreement.agreement_id,),
    )
    assert outcomes["sub-hubei"].subscriber_region == HUBEI
    assert (outcomes["sub-hubei"].recognised, outcomes["sub-hubei"].reasons) == (
        False,
        hubei_reasons,
    )


def test_the_recognition_is_judged_on_the_day_the_change_occurred() -> None:
    ended_yesterday = agreement(effective_until=(ON - timedelta(days=1)).isoformat())

    [delivery] = plan_deliveries(change(), [HUNAN_SUB], [ended_yesterday])

    assert delivery.recognition.reasons == (NotRecognised.NO_LONGER_EFFECTIVE,)


@pytest.mark.parametrize(
    ("agreements", "delivered"),
    [
        pytest.param([], False, id="unrecognised-skipped"),
        pytest.param([agreement()], True, id="recognised-delivered"),
    ],
)
def test_a_recognised_only_subscription_skips_a_new_listing_it_does_not_recognise(
    agreements: list[Agreement], delivered: bool
) -> None:
    deliveries = plan_deliveries(change(), [only_recognised(HUNAN_SUB)], agreements)

    assert len(deliveries) == int(delivered)


def test_a_recognised_only_subscription_still_hears_updates_it_does_not_recognise() -> None:
    update = change(listing(source_sequence=2), listing(source_sequence=1))

    [delivery] = plan_deliveries(update, [only_recognised(HUNAN_SUB)], [])

    assert (delivery.change.type, delivery.recognition.recognised) == ("updated", False)


def test_an_ordinary_subscription_hears_new_listings_it_does_not_recognise() -> None:
    [delivery] = plan_deliveries(change(), [HUNAN_SUB], [])

    assert delivery.recognition.reasons == (NotRecognised.NO_AGREEMENT,)


PERSON_ID = make_resident_id("19850315", 217, "110108")


def natural_person_listing() -> Listing:
    return listing(
        credit_code=RESIDENT_ID,
        subject_name="李某某",
        responsible_persons=[person("李某某", "directly_responsible", PERSON_ID)],
    )


def test_a_region_that_does_not_recognise_a_natural_persons_listing_gets_masked_ids() -> None:
    deliveries = plan_deliveries(change(natural_person_listing()), [HUBEI_SUB], [agreement()])

    [hidden] = [d.change.listing for d in deliveries]
    assert hidden.credit_code == mask(RESIDENT_ID) == "110105***********X"
    assert [p.id_number for p in hidden.responsible_persons] == [mask(PERSON_ID)]
    assert RESIDENT_ID not in hidden.model_dump_json()
    assert PERSON_ID not in hidden.model_dump_json()


def test_a_region_that_recognises_a_natural_persons_listing_gets_the_ids_in_full() -> None:
    made = change(natural_person_listing())

    [delivery] = plan_deliveries(made, [HUNAN_SUB], [agreement()])

    assert delivery.change == made
    assert delivery.change.listing.credit_code == RESIDENT_ID
    assert [p.id_number for p in delivery.change.listing.responsible_persons] == [PERSON_ID]


def test_a_legal_persons_credit_code_is_never_masked() -> None:
    [delivery] = plan_deliveries(change(), [HUBEI_SUB], [])

    assert delivery.change.listing.credit_code == USCC
