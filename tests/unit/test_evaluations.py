"""信用评价结果 in the domain: a result is graded under a catalogue scheme, an agreement may
recognise chosen grades only, a measure may apply to some grades only, and the one-stop view
lists the results in force with the asking region's recognition."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from builders import NOW, agreement, entry, listing
from pydantic import ValidationError

from gateway.recognition import Viewer, recognise, subject_view
from gateway.validation import parse_request, path_of
from gateway_client.contract import (
    ListingEntry,
    NotRecognised,
    SchemaError,
    add_months,
    load_catalogue,
)

HUNAN = "430000"
INCENTIVE = {
    "measure_id": "evaluation_incentives",
    "text": "A级纳税人：优化检查频次",
    "department": "湖南省税务局",
    "mandatory": False,
    "kinds": ["evaluation"],
    "grades": ["A"],
}
SUPERVISION = {**INCENTIVE, "measure_id": "evaluation_supervision", "grades": ["D"]}


def graded(grade: str = "A", **overrides: Any) -> dict[str, Any]:
    """清远市's tax bureau grades a company for 2025, valid through 2026."""
    fields: dict[str, Any] = {
        "kind": "evaluation",
        "domain": "tax_credit",
        "severity": None,
        "legal_basis": None,
        "reason": "2025年度纳税信用评价",
        "deciding_authority": "国家税务总局清远市税务局",
        "decision_number": "清税信评〔2026〕1号",
        "decided_on": "2025-04-01",
        "valid_from": "2025-04-01",
        "valid_until": "2027-04-01",
        "evaluation": {"scheme": "tax_credit_grade", "grade": grade},
    }
    return entry(**{**fields, **overrides})


def error_types(raw: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        ListingEntry.model_validate(raw)
    return {e["type"] for e in caught.value.errors()}


def test_the_catalogue_ships_the_tax_credit_grades_best_first():
    scheme = load_catalogue().scheme("tax_credit_grade")
    assert scheme is not None
    assert (scheme.grades, scheme.domain) == (("A", "B", "M", "C", "D"), "tax_credit")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (graded("E"), "unknown_grade"),
        (graded(evaluation={"scheme": "star_rating", "grade": "A"}), "unknown_scheme"),
        (graded(domain="customs_credit"), "domain_scheme_mismatch"),
        ({**graded(), "evaluation": None}, "evaluation_mismatch"),
        (entry(evaluation={"scheme": "tax_credit_grade", "grade": "A"}), "evaluation_mismatch"),
    ],
)
def test_a_result_is_graded_under_a_scheme_it_names(raw, expected):
    assert expected in error_types(raw)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (graded("E"), "evaluation.grade"),
        (graded(evaluation={"scheme": "star_rating", "grade": "A"}), "evaluation.scheme"),
    ],
)
def test_a_refused_grade_or_scheme_is_named_at_its_own_field(raw, field):
    """Review 165: both were named ``evaluation``, as a commitment's names its own fields."""
    with pytest.raises(ValidationError) as caught:
        ListingEntry.model_validate(raw)
    assert [path_of(e) for e in caught.value.errors()] == [field]


def grades_agreement(grades: list[str], region: str = HUNAN) -> Any:
    return agreement(
        f"agr-{region}-{''.join(grades)}",
        subscriber_region=region,
        kinds=["evaluation"],
        grades=grades,
        measures=[INCENTIVE, SUPERVISION],
    )


def test_an_agreement_recognises_its_grades_only_with_the_measures_for_that_grade():
    a_grade, d_grade = listing(graded("A")), listing(graded("D"), decision_number="第2号")
    agreements = [grades_agreement(["A", "D"]), grades_agreement(["D"], "410000")]

    hunan_a = recognise(a_grade, HUNAN, agreements, NOW.date())
    hunan_d = recognise(d_grade, HUNAN, agreements, NOW.date())
    henan_a = recognise(a_grade, "410000", agreements, NOW.date())

    assert [m.measure_id for m in hunan_a.measures] == ["evaluation_incentives"]
    assert [m.measure_id for m in hunan_d.measures] == ["evaluation_supervision"]
    assert (henan_a.recognised, henan_a.reasons) == (False, (NotRecognised.GRADE_NOT_COVERED,))


def test_the_view_lists_the_results_in_force_with_their_recognition():
    result = listing(graded("A"))
    viewer = Viewer(kind="region", region=HUNAN, key_id="k")

    view = subject_view([result], HUNAN, [grades_agreement(["A"])], NOW.date(), viewer)

    assert view is not None
    [shown] = view.evaluations
    assert (shown.scheme, shown.grade, shown.recognised) == ("tax_credit_grade", "A", True)
    assert shown.evaluator == "国家税务总局清远市税务局"


def test_grades_belong_to_agreements_and_measures_for_evaluation_results():
    with pytest.raises(ValidationError) as black:
        agreement(kinds=["black"], grades=["A"])
    with pytest.raises(ValidationError) as unknown:
        agreement(kinds=["evaluation"], grades=["a"], measures=[INCENTIVE])
    with pytest.raises(ValidationError) as measure:
        agreement(kinds=["evaluation"], measures=[{**INCENTIVE, "kinds": ["black"]}])

    assert "grades_without_evaluations" in {e["type"] for e in black.value.errors()}
    assert "unknown_grade" in {e["type"] for e in unknown.value.errors()}
    assert measure.value.errors()


def test_a_case_on_a_better_grade_is_an_incentive_on_a_poorer_one_a_punishment():
    from builders import make_uscc

    from gateway.recognition.feedback import ExecutedMeasure, Feedback
    from gateway.statistics.cases import count_cases, executed_cases, shipped_pilots

    good, poor = listing(graded("A")), listing(graded("D"), decision_number="第3号")

    def report(about: Any) -> Feedback:
        executed = ExecutedMeasure(
            measure_id="evaluation_incentives",
            department="税务部门",
            executed_on=NOW.date(),
            result="executed",
        )
        return Feedback(
            delivery_id="msg_" + about.listing_id[-32:],
            measures=(executed,),
            subscription_id="sub-1",
            subscriber_region=HUNAN,
            listing_id=about.listing_id,
            credit_code=make_uscc(1),
            origin_region=about.origin_region,
            submitted_at=NOW,
        )

    by_id = {x.listing_id: x for x in (good, poor)}
    cases = count_cases(
        executed_cases([report(good), report(poor)], by_id), HUNAN, shipped_pilots()
    )

    assert (cases.total, cases.incentives, cases.punishments) == (2, 1, 1)


def test_a_result_pushed_without_its_end_is_refused_and_one_stored_so_still_reads():
    """Without ``valid_until`` a grade would be recognised for ever and a person's result never
    erased (review 46k): refused at intake on its field; a record stored before still reads."""
    endless = graded(valid_until=None)

    with pytest.raises(SchemaError) as refused:
        parse_request(ListingEntry, json.dumps(endless).encode(), NOW.date())
    problems = [(p["path"], p["code"]) for p in refused.value.context["errors"]]
    stored = ListingEntry.model_validate(endless)  # no intake context: a stored record

    assert problems == [("valid_until", "missing_valid_until")]
    assert stored.valid_until is None


@pytest.mark.parametrize(
    ("scheme", "domain", "grade", "months"),
    [
        ("tax_credit_grade", "tax_credit", "D", 24),
        ("customs_credit_class", "customs_credit", "dishonest", 60),
        ("supervision_class", "supervision_classification", "D", 36),
    ],
)
def test_a_result_held_longer_than_its_scheme_allows_is_refused_and_one_stored_so_reads(
    scheme: str, domain: str, grade: str, months: int
) -> None:
    """Review 76 F2: any far-off end (2199) had a grade recognised, and a person's kept, for
    ever: each scheme bounds the period from ``valid_from``; records stored before still read."""
    start = date(2025, 4, 1)
    last = add_months(start, months)
    evaluation = {"scheme": scheme, "grade": grade}

    def pushed(until: date) -> bytes:
        raw = graded(domain=domain, evaluation=evaluation, valid_until=until.isoformat())
        return json.dumps(raw).encode()

    held = parse_request(ListingEntry, pushed(last), NOW.date())
    with pytest.raises(SchemaError) as refused:
        parse_request(ListingEntry, pushed(last + timedelta(days=1)), NOW.date())
    problems = [(p["path"], p["code"]) for p in refused.value.context["errors"]]
    forever = graded(domain=domain, evaluation=evaluation, valid_until="2199-12-31")

    assert held.valid_until == last
    assert problems == [("valid_until", "period_too_long")]
    assert ListingEntry.model_validate(forever).valid_until == date(2199, 12, 31)  # stored
