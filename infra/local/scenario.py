"""The demo's cast and data: real regions from the seed documents, made-up subjects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric, uscc

from gateway.delivery import SignatureScheme
from gateway.recognition import load_measures
from gateway_client.contract import ListKind, SubscriptionFilters


@dataclass(frozen=True)
class Platform:
    code: str
    name: str
    key_id: str


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    scheme: SignatureScheme
    filters: SubscriptionFilters


PLATFORMS = (
    Platform("230900", "七台河市", "qth-2026-1"),
    Platform("410184", "新郑市", "xz-2026-1"),
    Platform("441802", "清远市清城区", "qc-2026-1"),
    Platform("420281", "大冶市", "dy-2026-1"),
    Platform("420200", "黄石市", "hs-2026-1"),  # seed 004's credit office; relays 大冶
)

PROVINCES = (
    Province("430000", "湖南省", "v1a", SubscriptionFilters()),
    Province("440000", "广东省", "v1a", SubscriptionFilters(source_regions=("440000", "230000"))),
    Province("420000", "湖北省", "v1", SubscriptionFilters(kinds=(ListKind.BLACK,))),
)


def make_uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def make_resident_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


QTH_COAL = make_uscc("91230900MA19XY2K3")
QTH_TAX = make_uscc("91230900MA1AB3CD4")
QTH_LATE = make_uscc("91230900MA1CE5FG6")
XZ_FOOD = make_uscc("91410184MA4FGH5J6")
XZ_PERSON = make_resident_id("41018419950315001")
QC_CHEM = make_uscc("91441802MA4WKL7M8")
QC_MODEL = make_uscc("91441802MA4XPQ2R3")
DY_MINE = make_uscc("91420281MA49TU8W5")


def wrong_check(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:17] + next(c for c in alphabet if c != code[17])


def entry(today: date, now: datetime, **fields: Any) -> dict[str, Any]:
    """A black-list entry decided 30 days ago; ``fields`` override or extend it."""
    decided = today - timedelta(days=30)
    base: dict[str, Any] = {
        "kind": "black",
        "severity": "serious",
        "reason": "列入事由见决定书",
        "legal_basis": "《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》",
        "decided_on": decided.isoformat(),
        "valid_from": decided.isoformat(),
        "source_updated_at": (now - timedelta(days=1)).isoformat(),
    }
    return {**base, **fields}


def batches(today: date, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Entries per batch name; the scenario decides who sends which and how."""

    def e(**f: Any) -> dict[str, Any]:
        return entry(today, now, **f)

    dy_mine = e(
        credit_code=DY_MINE,
        subject_name="大冶市某矿业有限公司",
        domain="work_safety",
        deciding_authority="大冶市应急管理局",
        decision_number="大应急罚〔2026〕17号",
        responsible_persons=[{"name": "张某", "role": "legal_representative"}],
    )
    qc_chem = e(
        credit_code=QC_CHEM,
        subject_name="清远市清城区某化工有限公司",
        domain="ecology_environment",
        deciding_authority="清远市生态环境局",
        decision_number="清环罚〔2026〕8号",
    )
    return {
        "qth": [
            e(
                credit_code=QTH_COAL,
                subject_name="七台河市某煤业有限公司",
                domain="court_defaulter",
                deciding_authority="七台河市中级人民法院",
                decision_number="(2026)黑09执112号",
            ),
            e(
                credit_code=QTH_TAX,
                subject_name="七台河市某商贸有限公司",
                kind="red",
                severity=None,
                legal_basis="国家税务总局纳税信用评价结果",
                domain="a_grade_taxpayer",
                deciding_authority="国家税务总局七台河市税务局",
                decision_number="七税信〔2026〕A-031",
            ),
            e(
                credit_code=QTH_LATE,
                subject_name="七台河市某运输有限公司",
                domain="court_defaulter",
                severity="general",
                decided_on=(today - timedelta(days=150)).isoformat(),
                valid_from=(today - timedelta(days=150)).isoformat(),
                deciding_authority="七台河市茄子河区人民法院",
                decision_number="(2026)黑0904执77号",
            ),
            e(
                credit_code=wrong_check(QTH_COAL),
                subject_name="七台河市某建材有限公司",
                domain="product_quality",
                deciding_authority="七台河市市场监督管理局",
                decision_number="七市监罚〔2026〕5号",
            ),
        ],
        "xz": [
            e(
                credit_code=XZ_FOOD,
                subject_name="新郑市某食品有限公司",
                domain="food_drug",
                severity="general",
                valid_until=(today + timedelta(days=1)).isoformat(),
                deciding_authority="新郑市市场监督管理局",
                decision_number="新市监罚〔2026〕41号",
            ),
            e(  # a general listing (not a court defaulter's: those are serious by law)
                credit_code=XZ_PERSON,
                subject_name="李某",
                domain="food_drug",
                severity="general",
                legal_basis="《中华人民共和国食品安全法》第一百三十五条",
                deciding_authority="新郑市市场监督管理局",
                decision_number="新市监罚〔2026〕77号",
            ),
            e(
                credit_code=make_uscc("91410184MA4JKL8M9"),
                subject_name="新郑市某电器有限公司",
                domain="product_quality",
                legal_basis=None,
                deciding_authority="新郑市市场监督管理局",
                decision_number="新市监罚〔2026〕52号",
            ),
        ],
        "qc": [
            qc_chem,
            e(
                credit_code=QC_MODEL,
                subject_name="清远市清城区某物流有限公司",
                kind="red",
                severity=None,
                legal_basis="清城区诚信典型评选结果",
                domain="trustworthiness_model",
                deciding_authority="清远市清城区发展和改革局",
                decision_number="清城发改〔2026〕3号",
            ),
        ],
        "qc-update": [
            {
                **qc_chem,
                "valid_until": (today + timedelta(days=365 * 2)).isoformat(),  # within 3 years
                "source_updated_at": now.isoformat(),
            }
        ],
        "dy": [
            dy_mine,
            {
                **dy_mine,
                "domain": "ecology_environment",
                "deciding_authority": "黄石市生态环境局",
                "decision_number": "黄环罚〔2026〕21号",
                "reason": "超标排放废水",
            },
        ],
        "hs-relay": [{**dy_mine, "origin_region": "420281"}],
    }


def measure(measure_id: str) -> dict[str, Any]:
    """A measure from the shipped catalogue, as an agreement names it."""
    found = load_measures().get(measure_id)
    if found is None:
        raise KeyError(measure_id)
    return found.model_dump(mode="json")


def agreements(today: date) -> dict[str, dict[str, Any]]:
    """Agreements the operator signs: two at the start, 湖北's after the pushes."""
    start = (today - timedelta(days=365)).isoformat()
    return {
        "hunan": {
            "title": "长江中游城市群严重失信主体名单互认合作备忘录",
            "subscriber_region": "430000",
            "sources": [{"region": "420000"}, {"region": "410000"}],
            "kinds": ["black"],
            "min_severity": "serious",
            "effective_from": start,
            "measures": [
                measure("strict_licensing_review"),
                measure("restrict_public_resource_trading"),
                measure("revoke_honours"),
            ],
        },
        "guangdong": {
            "title": "黑龙江—广东守信激励红名单互认协议",
            "subscriber_region": "440000",
            "sources": [{"region": "230000"}],
            "kinds": ["red"],
            "effective_from": start,
            "measures": [measure("green_channel"), measure("accept_with_deficiencies")],
        },
        "hubei-later": {
            "title": "鄂豫失信联合惩戒合作备忘录",
            "subscriber_region": "420000",
            "sources": [{"region": "410000"}],
            "kinds": ["black"],
            "effective_from": today.isoformat(),
            "measures": [measure("key_supervision"), measure("restrict_fiscal_funds")],
        },
    }
