"""A later version of a listing whose period a decision set — a black listing, an evaluation
result of any grade — may not keep it in force past the end held, by a push, a resync line or
its owner's own objection decided ``corrected`` (reviews 250, 251, 257, 258): not by a later
``valid_until``, ``open_ended``, a graver ``severity``, the held extension restated longer
(``period_lengthened``), nor by a later ``valid_from`` its longest period counts from
(``period_restarted``). Joint punishment, and the personal data whose retention counts from the
end, would outlive what was decided; a longer period needs its own decision (an extension under
another decision number), or the operator. A change that ends no later is a correction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, black_entry
from lifecycle_support import Lifecycle, china_noon, china_today, recent_entry, stamp
from upload_support import uploaded

from chalicelib.bootstrap import container
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


def extended() -> dict[str, Any]:
    """A court defaulter's two years and a year's extension, 30 days left."""
    start = china_today() - timedelta(days=1066)
    decided = (start + timedelta(days=700)).isoformat()
    extension = {"decision_number": "(2025)黑09执恢1号", "years": 1, "decided_on": decided}
    return court_defaulter() | {
        "decided_on": start.isoformat(),
        "valid_from": start.isoformat(),
        "extension": extension,
    }


def restated(**extension: Any) -> dict[str, Any]:
    """The held extension's decision again, ``extension`` changed."""
    return {"extension": extended()["extension"] | extension}


LATER = (china_today() + timedelta(days=300)).isoformat()  # inside its longest period
CASES = {
    "poor-grade-later": (
        d_grade,
        {
            "valid_from": (china_today() - timedelta(days=1)).isoformat(),
            "valid_until": (china_today() + timedelta(days=700)).isoformat(),
        },
        ("period_lengthened", "valid_until"),
    ),
    "restarted": (  # its longest period counts from valid_from
        court_defaulter,
        {"valid_from": (china_today() - timedelta(days=10)).isoformat()},
        ("period_restarted", "valid_from"),
    ),
    "made-open-ended": (court_defaulter, {"open_ended": True}, ("period_lengthened", "open_ended")),
    "graver": (relatively_serious, {"severity": "serious"}, ("period_lengthened", "severity")),
    "later-end": (within_a_year, {"valid_until": LATER}, ("period_lengthened", "valid_until")),
    "lighter-but-later": (  # named by the field that lengthens it (review 258)
        lambda: within_a_year() | {"severity": "serious"},
        {"severity": "relatively_serious", "valid_until": LATER},
        ("period_lengthened", "valid_until"),
    ),
    "extension-restated": (  # the same decision is no new one (review 258)
        extended,
        restated(years=3),
        ("period_lengthened", "extension"),
    ),
    "extension-and-restart": (  # a new extension adds its years, no more (review 260)
        court_defaulter,
        {
            "extension": {
                "decision_number": "(2026)黑09执恢9号",
                "decided_on": stamp()[:10],
                "years": 1,
            },
            "valid_from": (china_today() - timedelta(days=10)).isoformat(),
        },
        ("period_restarted", "valid_from"),
    ),
    "extension-respelt": (
        extended,
        restated(years=3, decision_number="（2025）黑09执恢1号"),
        ("period_lengthened", "extension"),
    ),
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
def test_a_push_may_not_keep_a_decided_period_in_force_longer(
    gateway: Gateway, aws: Any, case: str
):
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
def test_an_owners_correction_may_not_keep_a_decided_period_in_force_longer(
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


def test_a_poor_grade_is_not_lengthened_by_passing_through_a_good_one(gateway: Gateway, aws: Any):
    """Review 258: judged only while the held version was a bad record, D → A → D ran on."""
    life = Lifecycle(gateway)
    start = (china_today() - timedelta(days=100)).isoformat()
    first = d_grade() | {"decided_on": start, "valid_from": start}
    city, listing_id = pushed(gateway, first)
    longer = {"valid_until": (china_today() + timedelta(days=600)).isoformat()}
    steps = [({"grade": "A"}, {}), ({"grade": "A"}, longer), ({"grade": "D"}, longer)]
    answers = []
    for at, (grade, change) in enumerate(steps):
        step = first | change | {"evaluation": first["evaluation"] | grade}
        pushed_step = gateway.push(city, CITY, [step | {"source_updated_at": stamp(at - 10)}])
        answers.append([(e["code"], e["field"]) for e in pushed_step.json_body["errors"]])

    lengthened = [("period_lengthened", "valid_until")]
    assert answers == [[], lengthened, lengthened]  # an A grade's period is judged as well
    assert life.tick(china_noon(china_today() + timedelta(days=25))).status_code == 200
    assert held(life, listing_id)["status"] == "expired"  # on its own day, graded A


def test_a_later_start_ending_no_later_is_a_correction(gateway: Gateway, aws: Any):
    """Review 258: refused as a restart, though it shortens the period."""
    life = Lifecycle(gateway)
    first = d_grade()
    city, listing_id = pushed(gateway, first)
    later = (date.fromisoformat(first["valid_from"]) + timedelta(days=10)).isoformat()
    moved = first | {"valid_from": later, "source_updated_at": stamp(-1)}

    again = gateway.push(city, CITY, [moved]).json_body

    assert (again["accepted"], again["errors"]) == (1, []), again
    assert held(life, listing_id)["valid_from"] == later


@pytest.mark.parametrize(
    "change",
    [{"valid_from": "2026-03-05"}, {"valid_until": "2027-06-01"}],
    ids=["restarted", "lengthened"],
)
def test_a_resync_line_refused_for_its_period_does_not_hold_back_removals(
    gateway: Gateway, aws: Any, change: dict[str, str]
):
    """Review 258: such a line names its listing, held as it was, yet withheld every removal."""
    signer = gateway.register_platform(CITY)
    kept = black_entry(decision_number="(2026)黑09执1号")
    if "valid_until" in change:
        kept["valid_until"] = "2027-03-01"
    gone = [black_entry(decision_number=f"(2026)黑09执{100 + i}号") for i in range(3)]
    assert gateway.push(signer, CITY, [kept, *gone]).json_body["accepted"] == 4
    line = kept | change | {"source_updated_at": "2026-11-01T09:00:00+08:00"}
    mode = {"mode": "resync", "domains": ["court_defaulter"], "force": True}

    done = container().uploads.get(CITY, uploaded(gateway, aws, signer, [line], **mode))

    assert done is not None
    assert [e.code for e in done.errors] in (["period_restarted"], ["period_lengthened"])
    assert (done.rejected, done.set_aside, done.removal, done.removed) == (1, 1, "applied", 3)
