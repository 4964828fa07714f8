"""A later version of a bad credit record — a black listing or a poor grade — may not keep it
in force longer than the version held, by a push or by its owner's own objection decided
``corrected`` (reviews 250, 251 and 257): not by starting later (``period_restarted``), nor by
ending later — ``open_ended``, a graver ``severity``, a later ``valid_until``
(``period_lengthened``). Joint punishment, and the personal data whose retention counts from
the end, would outlive what was decided; a longer period needs its own decision (an
extension), or the operator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway
from lifecycle_support import Lifecycle, china_noon, china_today, recent_entry, stamp

from gateway_client.contract import china_date


def d_grade() -> dict[str, Any]:
    """A D tax grade (a bad credit record) with 20 days left."""
    today = china_date(datetime.now(UTC))
    start = today - timedelta(days=700)
    return {
        "credit_code": CREDIT_CODE,
        "subject_name": "七台河某某建设工程有限公司",
        "kind": "evaluation",
        "domain": "tax_credit",
        "reason": "2024年度纳税信用评价",
        "deciding_authority": "国家税务总局七台河市税务局",
        "decision_number": "七税信评〔2025〕5号",
        "decided_on": start.isoformat(),
        "valid_from": start.isoformat(),
        "valid_until": (today + timedelta(days=20)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "evaluation": {"scheme": "tax_credit_grade", "grade": "D"},
    }


def court_defaulter() -> dict[str, Any]:
    """第一条第二项: two years from valid_from, 30 days left, naming a person."""
    return recent_entry(
        days_ago=700,
        legal_basis="《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条第二项",
        responsible_persons=[
            {"name": "张某", "role": "legal_representative", "id_number": "11010519491231002X"}
        ],
    )


def relatively_serious() -> dict[str, Any]:
    """Two years longest (a serious one's is three), 30 days left."""
    return recent_entry(
        days_ago=700,
        domain="ecology_environment",
        severity="relatively_serious",
        deciding_authority="七台河市生态环境局",
        decision_number="七环罚〔2025〕1号",
        legal_basis="《环境保护法》第六十三条",
    )


def within_a_year() -> dict[str, Any]:
    """Ending in 30 days by its own ``valid_until``, well inside its longest period."""
    start = china_today() - timedelta(days=335)
    return relatively_serious() | {
        "decided_on": start.isoformat(),
        "valid_from": start.isoformat(),
        "valid_until": (china_today() + timedelta(days=30)).isoformat(),
    }


LATER = (china_today() + timedelta(days=300)).isoformat()  # inside its longest period
CASES = {
    "poor-grade-restarted": (
        d_grade,
        {
            "valid_from": (china_today() - timedelta(days=1)).isoformat(),
            "valid_until": (china_today() + timedelta(days=700)).isoformat(),
        },
        ("period_restarted", "valid_from"),
    ),
    "made-open-ended": (court_defaulter, {"open_ended": True}, ("period_lengthened", "open_ended")),
    "graver": (relatively_serious, {"severity": "serious"}, ("period_lengthened", "severity")),
    "later-end": (within_a_year, {"valid_until": LATER}, ("period_lengthened", "valid_until")),
}


def pushed(gateway: Gateway, entry: dict[str, Any]) -> tuple[Any, str]:
    city = gateway.register_platform(CITY)
    answer = gateway.push(city, CITY, [entry]).json_body
    assert answer["accepted"] == 1, answer
    return city, answer["outcomes"][0]["listing_id"]


def held(life: Lifecycle, listing_id: str) -> dict[str, Any]:
    response = life.lookup(CREDIT_CODE)
    assert response.status_code == 200, response.json_body
    [view] = [v for v in response.json_body["listings"] if v["listing"]["listing_id"] == listing_id]
    return dict(view["listing"])


@pytest.mark.parametrize("case", CASES)
def test_a_push_may_not_keep_a_bad_record_in_force_longer(gateway: Gateway, aws: Any, case: str):
    make, change, (code, field) = CASES[case]
    life = Lifecycle(gateway)
    first = make()
    city, listing_id = pushed(gateway, first)
    before = held(life, listing_id)

    again = gateway.push(city, CITY, [first | change | {"source_updated_at": stamp(-1)}])

    assert again.json_body["accepted"] == 0, again.json_body
    assert [(e["code"], e["field"]) for e in again.json_body["errors"]] == [(code, field)]
    assert held(life, listing_id) == before  # nothing written


@pytest.mark.parametrize("case", CASES)
def test_an_owners_correction_may_not_keep_a_bad_record_in_force_longer(
    gateway: Gateway, aws: Any, case: str
):
    make, change, (code, field) = CASES[case]
    life = Lifecycle(gateway)
    first = make()
    city, listing_id = pushed(gateway, first)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-1", city).status_code == 201
    before = held(life, listing_id)
    corrected = first | change | {"source_updated_at": stamp(-1)}

    decided = life.decide(
        city, CREDIT_CODE, listing_id, "o-1", "corrected", corrected_entry=corrected
    )

    assert decided.status_code == 409, decided.json_body
    error = decided.json_body["error"]
    assert (error["code"], error["path"]) == (code, f"corrected_entry.{field}")
    assert held(life, listing_id) == before  # still under objection, as it was
    assert life.tick(china_noon(china_today() + timedelta(days=37))).status_code == 200
    assert held(life, listing_id)["status"] == "expired"  # on its own day


def test_the_operator_corrects_a_period_that_was_truly_longer(gateway: Gateway, aws: Any):
    life = Lifecycle(gateway)
    first = relatively_serious()
    city, listing_id = pushed(gateway, first)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-1", city).status_code == 201
    graver = first | {"severity": "serious", "source_updated_at": stamp(-1)}

    decided = life.decide(None, CREDIT_CODE, listing_id, "o-1", "corrected", corrected_entry=graver)  # type: ignore[arg-type]

    assert decided.status_code == 200, decided.json_body
    assert life.tick(china_noon(china_today() + timedelta(days=37))).status_code == 200
    assert held(life, listing_id)["status"] == "active"  # a year more, as the operator decided


def test_an_extension_decided_anew_keeps_a_court_defaulter_longer(gateway: Gateway, aws: Any):
    life = Lifecycle(gateway)
    first = court_defaulter()
    city, listing_id = pushed(gateway, first)
    extension = {"decision_number": "(2026)黑09执恢1号", "decided_on": stamp()[:10], "years": 1}
    extended = first | {"extension": extension, "source_updated_at": stamp(-1)}

    again = gateway.push(city, CITY, [extended]).json_body

    assert again["accepted"] == 1, again
    assert life.tick(china_noon(china_today() + timedelta(days=37))).status_code == 200
    assert held(life, listing_id)["status"] == "active"
