"""Evaluation results as the lists they stand beside (review 147): an incentive grade (an A tax
grade, 高级认证企业) has its incentives held back while the subject has a black listing in force,
as a red listing's are (seed 001 二(四)3); a poor grade (a D tax grade, 海关失信企业) in force is a
bad credit record that keeps the green channel shut, as the same fact as a black listing does
(seed 000 二(一)2); a middle grade is neither an incentive nor a punishment in the cases counted;
and the catalogue's schemes name the same grades its measures for grades do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway
from lifecycle_support import recent_entry
from test_commitment_routes import commitment

from gateway.recognition import load_measures
from gateway.statistics.cases import side_of
from gateway_client.cli.subject_table import render_subject
from gateway_client.contract import ListKind, china_date, load_catalogue
from gateway_client.contract.listing import Listing
from gateway_client.contract.signing import Ed25519Signer

TODAY = china_date(datetime.now(UTC))


def grade(letter: str, **overrides: Any) -> dict[str, Any]:
    entry = {
        "credit_code": CREDIT_CODE,
        "subject_name": "七台河某某建设工程有限公司",
        "kind": "evaluation",
        "domain": "tax_credit",
        "reason": "2025年度纳税信用评价",
        "deciding_authority": "国家税务总局七台河市税务局",
        "decision_number": "七税信评〔2026〕5号",
        "decided_on": (TODAY - timedelta(days=30)).isoformat(),
        "valid_from": (TODAY - timedelta(days=30)).isoformat(),
        "valid_until": (TODAY + timedelta(days=300)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "evaluation": {"scheme": "tax_credit_grade", "grade": letter},
    }
    entry.update(overrides)
    return entry


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    gateway.put_region(HUNAN, name="湖南省")
    return gateway.register_platform(CITY)


def test_an_a_grades_incentives_wait_while_a_black_listing_is_in_force(
    gateway: Gateway, city: Ed25519Signer
) -> None:
    reply = gateway.push(city, CITY, [recent_entry(), grade("A")])
    assert reply.json_body["accepted"] == 2, reply.json_body

    view = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={CITY}", city).json_body
    [graded] = [v for v in view["listings"] if v["listing"]["kind"] == "evaluation"]

    # the city's own subtree recognises both; the black listing is in force
    assert any(v["listing"]["kind"] == "black" and v["recognised"] for v in view["listings"])
    assert "evaluation_incentives" not in [m["measure_id"] for m in graded["measures"]]
    assert "evaluation_incentives" in [m["measure_id"] for m in graded["suspended_measures"]]
    assert graded["suspended_because"] == "black_listing_in_force"


def red_clean_record() -> dict[str, Any]:
    return {
        "credit_code": CREDIT_CODE,
        "subject_name": "七台河某某建设工程有限公司",
        "kind": "red",
        "domain": "clean_record_three_years",
        "reason": "连续三年无不良信用记录",
        "deciding_authority": "七台河市发展和改革委员会",
        "decision_number": "七发改信〔2026〕1号",
        "decided_on": (TODAY - timedelta(days=20)).isoformat(),
        "valid_from": (TODAY - timedelta(days=20)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=2)).isoformat(),
    }


def test_a_dishonest_grade_in_force_closes_the_green_channel(
    gateway: Gateway, city: Ed25519Signer
) -> None:
    """海关失信企业 as a customs credit class (or a D grade) is a bad credit record: the green
    channel (连续三年无不良信用记录) is not open while it is in force, as it is not while the same
    fact stands as a customs_dishonest black listing."""
    dishonest = grade(
        "dishonest",
        domain="customs_credit",
        reason="海关认定为失信企业",
        deciding_authority="哈尔滨海关",
        decision_number="哈关信〔2026〕9号",
        evaluation={"scheme": "customs_credit_class", "grade": "dishonest"},
    )
    reply = gateway.push(city, CITY, [red_clean_record(), dishonest])
    assert reply.json_body["accepted"] == 2, reply.json_body

    view = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={CITY}", city).json_body

    assert [g["grade"] for g in view["evaluations"]] == ["dishonest"]
    assert view["benefits"]["green_channel"] is False, view["benefits"]
    assert view["benefits"]["refused_because"] == ["poor_grade_standing"]


@pytest.mark.parametrize(
    ("scheme", "grade", "side"),
    [
        ("tax_credit_grade", "A", "incentive"),
        ("tax_credit_grade", "M", None),
        ("tax_credit_grade", "D", "punishment"),
        ("customs_credit_class", "registered", None),
        ("customs_credit_class", "dishonest", "punishment"),
    ],
)
def test_a_case_on_a_grade_is_counted_by_what_the_grade_means(
    scheme: str, grade: str, side: str | None
) -> None:
    made = Listing.model_construct(
        kind=ListKind.EVALUATION,
        evaluation=type("E", (), {"scheme": scheme, "grade": grade})(),
    )
    assert side_of(made) == side


def test_the_schemes_name_the_grades_the_measures_for_grades_name() -> None:
    catalogue = load_catalogue()
    incentives = {g for s in catalogue.schemes for g in s.incentive_grades}
    poor = {g for s in catalogue.schemes for g in s.poor_grades}
    for scheme in catalogue.schemes:
        assert set(scheme.incentive_grades) | set(scheme.poor_grades) <= set(scheme.grades)
        assert not set(scheme.incentive_grades) & set(scheme.poor_grades)
    graded = {m.measure_id: set(m.grades or ()) for m in load_measures().measures}
    assert (graded["evaluation_incentives"], graded["evaluation_supervision"]) == (incentives, poor)


def test_the_cli_table_does_not_print_a_grade_or_a_promise_as_a_black_listing(
    gateway: Gateway, city: Ed25519Signer
) -> None:
    """`gateway query CODE` prints the one-stop view as a table: an A grade or an open promise
    is no black listing (黑); each says what it is, and its grade or its deadline."""
    reply = gateway.push(city, CITY, [grade("A"), commitment()])
    assert reply.json_body["accepted"] == 2, reply.json_body
    view = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={CITY}", city).json_body

    table = render_subject(view)

    rows = [line for line in table.splitlines() if "纳税信用" in line or "信用承诺" in line]
    assert len(rows) == 2, table
    assert not any(row.lstrip().startswith("黑") for row in rows), table
    assert any(row.lstrip().startswith("评价") and "grade A" in row for row in rows), table
    assert any(row.lstrip().startswith("承诺") and "open, due" in row for row in rows), table
