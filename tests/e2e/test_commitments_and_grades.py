"""Commitments and evaluation results end to end, over HTTP on the local stack.

长沙市 pushes a 容缺受理 commitment and, when the deadline passes unkept, its outcome; 湖南省
receives both as signed webhooks, in order, and then the black listing 长沙市's policy makes of
the broken promise at the tick. 长沙市's tax bureau grades a company A: 广东省, whose agreement
recognises A grades, receives it recognised with its incentive; 河南省, whose agreement
recognises D grades only, receives it unrecognised, and each province's query agrees."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import code, register

from gateway_client.contract import china_date
from gateway_client.push_client import PushClient, http_request
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

PROVINCE, CITY = "430000", "430100"
TODAY = china_date(datetime.now(UTC))  # the platforms' day: a policy set today lists from it


def promise(sequence: int, **made: Any) -> dict[str, Any]:
    return {
        "credit_code": code(9001),
        "subject_name": "长沙某某餐饮有限公司",
        "kind": "commitment",
        "domain": "licensing_commitment",
        "reason": "承诺在10日内补交食品经营许可现场核查材料",
        "deciding_authority": "长沙市市场监督管理局",
        "decision_number": "长市监承诺〔2026〕31号",
        "decided_on": (TODAY - timedelta(days=20)).isoformat(),
        "valid_from": (TODAY - timedelta(days=20)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=5 - sequence)).isoformat(),
        "source_sequence": sequence,
        "commitment": {
            "kind": "accept_with_deficiencies",
            "deadline": (TODAY - timedelta(days=10)).isoformat(),
            **made,
        },
    }


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def city(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> PushClient:
    folder: Path = tmp_path_factory.mktemp("keys")
    return PushClient(stack.url, CITY, register(stack, CITY, "cs-c", folder / "c.key"))


def operator(stack: LocalStack, method: str, path: str, body: Any) -> Any:
    raw = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    auth = {"authorization": f"Bearer {stack.operator_token}"}
    reply = http_request(method, stack.url + path, raw, auth)
    assert reply.status in (200, 201), reply.body
    return reply.body


def listening(stack: LocalStack, region: str, name: str) -> Receiver:
    operator(stack, "PUT", f"/v1/regions/{region}", {"name": name})
    receiver = Receiver(name).start()
    auth = {"authorization": f"Bearer {stack.operator_token}"}
    receiver.subscribe(stack.url, {"region": region}, auth)
    return receiver


@pytest.fixture(scope="module")
def received(stack: LocalStack, city: PushClient) -> Iterator[list[Any]]:
    """What 湖南省 received; its endpoint keeps answering to the module's end, so later pushes
    to it are delivered at once rather than retried against a closed port."""
    policy = {"severity": "general", "legal_basis": "《长沙市信用承诺管理办法》第十二条"}
    operator(stack, "PUT", f"/v1/regions/{CITY}", {"name": "长沙市", "broken_commitments": policy})
    receiver = listening(stack, PROVINCE, "湖南省")
    assert stack.pump is not None
    for version in (
        promise(1),
        promise(2, outcome="broken", outcome_on=TODAY.isoformat(), outcome_note="逾期未补交"),
    ):
        reply = city.push([version], datetime.now(UTC))
        assert reply.body["accepted"] == 1, reply.body
        stack.pump.drain()
    ticked = operator(stack, "POST", "/v1/tick", {})
    assert ticked["broken_commitments_listed"] == 1, ticked
    stack.pump.drain()
    yield [r.payload for r in receiver.received]
    receiver.stop()


def test_the_province_receives_the_commitment_then_its_outcome_in_order(received):
    commitments = [p.data.listing for p in received if p.data.listing.kind == "commitment"]

    assert [(c.commitment.outcome if c.commitment else None) for c in commitments] == [
        None,
        "broken",
    ]
    assert len({c.listing_id for c in commitments}) == 1
    sequences = [p.log_sequence for p in received]
    assert sequences == sorted(sequences)


def test_the_broken_promise_arrives_as_the_owners_black_listing(received):
    [black] = [p.data.listing for p in received if p.data.listing.kind == "black"]

    assert (black.domain, black.severity, black.origin_region) == (
        "broken_commitment",
        "general",
        CITY,
    )
    assert black.decided_on == TODAY
    assert black.reason.startswith("违背信用承诺")


def grade(letter: str) -> dict[str, Any]:
    return {
        "credit_code": code(9002),
        "subject_name": "长沙某某物流有限公司",
        "kind": "evaluation",
        "domain": "tax_credit",
        "reason": "2025年度纳税信用评价",
        "deciding_authority": "国家税务总局长沙市税务局",
        "decision_number": "长税信评〔2026〕5号",
        "decided_on": (TODAY - timedelta(days=30)).isoformat(),
        "valid_from": (TODAY - timedelta(days=30)).isoformat(),
        "valid_until": (TODAY + timedelta(days=335)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "evaluation": {"scheme": "tax_credit_grade", "grade": letter},
    }


def grades_agreement(region: str, grades: list[str]) -> dict[str, Any]:
    measure = {
        "measure_id": "evaluation_incentives",
        "text": "A级纳税人：优化检查频次，优先办理",
        "department": "税务部门",
        "mandatory": False,
        "kinds": ["evaluation"],
        "grades": ["A"],
    }
    return {
        "title": f"{region} 纳税信用评价结果互认",
        "subscriber_region": region,
        "sources": [{"region": PROVINCE, "subtree": True}],
        "kinds": ["evaluation"],
        "grades": grades,
        "effective_from": (TODAY - timedelta(days=1)).isoformat(),
        "measures": [measure],
    }


@pytest.fixture(scope="module")
def graded(stack: LocalStack, city: PushClient, received: list[Any]) -> dict[str, Any]:
    """An A grade; 广东 recognises A grades of 湖南's regions, 河南 only D grades."""
    receivers = {"440000": listening(stack, "440000", "广东省")}
    receivers["410000"] = listening(stack, "410000", "河南省")
    operator(stack, "POST", "/v1/agreements", grades_agreement("440000", ["A"]))
    operator(stack, "POST", "/v1/agreements", grades_agreement("410000", ["D"]))
    reply = city.push([grade("A")], datetime.now(UTC))
    assert reply.body["accepted"] == 1, reply.body
    assert stack.pump is not None
    stack.pump.drain()
    for receiver in receivers.values():
        receiver.stop()
    views = {
        region: operator(stack, "GET", f"/v1/subjects/{code(9002)}?as={region}", None)
        for region in receivers
    }
    delivered = {
        region: [p for p in r.received if p.payload.data.listing.kind == "evaluation"]
        for region, r in receivers.items()
    }
    return {"delivered": delivered, "views": views}


def test_a_grade_is_recognised_by_the_province_whose_agreement_covers_it(graded):
    [guangdong] = graded["delivered"]["440000"]
    [henan] = graded["delivered"]["410000"]

    assert guangdong.payload.recognition.recognised is True
    assert [m.measure_id for m in guangdong.payload.recognition.measures] == [
        "evaluation_incentives"
    ]
    assert henan.payload.recognition.recognised is False
    assert henan.payload.recognition.reasons == ("grade_not_covered",)


def test_each_provinces_query_shows_the_grade_as_it_recognises_it(graded):
    shown = {
        region: [(g["grade"], g["recognised"]) for g in view["evaluations"]]
        for region, view in graded["views"].items()
    }
    assert shown == {"440000": [("A", True)], "410000": [("A", False)]}
