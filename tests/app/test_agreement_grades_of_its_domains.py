"""An agreement whose ``grades`` name a grade no rating scheme of its ``domains`` has
(``domains: [customs_credit]``, ``grades: ["A"]``: A is a tax or supervision grade; customs
grades are advanced_certified / registered / dishonest) could never recognise anything: it is
refused 400 ``grade_not_for_domains`` at the grade, nothing stored (review 388: saved, 201)."""

from __future__ import annotations

from typing import Any

from app_support import CITY, HUNAN, agreement_terms, create_agreement

MEASURE = {
    "measure_id": "evaluation_incentives",
    "text": "优先办理",
    "department": "各行政许可管理部门",
    "mandatory": False,
}


def customs_agreement(gateway: Any, *grades: str) -> Any:
    """Hunan's agreement recognising the city's customs grades ``grades``, as made."""
    gateway.put_region(HUNAN)
    gateway.register_platform(CITY)
    terms = agreement_terms(
        title="湖南省认可七台河市海关信用等级",
        sources=[{"region": CITY, "subtree": True}],
        kinds=["evaluation"],
        domains=["customs_credit"],
        grades=list(grades),
        min_severity=None,
        measures=[MEASURE],
    )
    return create_agreement(gateway, terms)


def test_grades_no_scheme_of_its_domains_has_are_refused(gateway: Any) -> None:
    made = customs_agreement(gateway, "advanced_certified", "A")

    assert made.status_code == 400, made.json_body
    assert made.json_body["error"]["code"] == "grade_not_for_domains"
    assert made.json_body["error"]["path"] == "grades.1"
    listed = gateway.client.http.get("/v1/agreements", headers=gateway.operator())
    assert listed.json_body["agreements"] == []


def test_grades_of_a_scheme_of_its_domains_are_taken(gateway: Any) -> None:
    made = customs_agreement(gateway, "advanced_certified", "registered")

    assert made.status_code == 201, made.json_body
