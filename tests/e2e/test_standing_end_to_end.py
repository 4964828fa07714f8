"""Over HTTP on the local stack, as platforms and a province would see it: a dishonesty record
carries no measures (seed 000 二(二)1, 49号); a red listing's incentives wait while the subject
has a black listing in force and come back when it ends (seed 001 二(四)3); a court defaulter is
deleted as performed (法释〔2017〕7号 第十条), counted on time, and its period may not outrun two
years plus an extension; the green channel then waits three years (seed 000 二(一)2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e_support import as_operator, drain, platform
from stdnum.cn import uscc

from gateway_client.push_client import PushClient, Response
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

CHANGSHA, HUNAN = "430100", "430000"
CODE = "91430100MA4L0CCC0" + uscc.calc_check_digit("91430100MA4L0CCC0")


def day(days_ago: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=days_ago)).date().isoformat()


def stamp(minutes_ago: int = 5) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def black(**fields: Any) -> dict[str, Any]:
    return {
        "credit_code": CODE,
        "subject_name": "长沙某某建材有限公司",
        "kind": "black",
        "domain": "court_defaulter",
        "severity": "serious",
        "reason": "有履行能力而拒不履行生效法律文书确定的义务",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": "(2026)湘01执88号",
        "decided_on": day(40),
        "valid_from": day(40),
        "source_updated_at": stamp(),
        **fields,
    }


RED = {
    "credit_code": CODE,
    "subject_name": "长沙某某建材有限公司",
    "kind": "red",
    "domain": "trustworthiness_model",
    "reason": "诚信经营，获评诚信典型",
    "deciding_authority": "长沙市发展和改革委员会",
    "decision_number": "长发改信〔2026〕2号",
}
RECORD = {
    "domain": "food_drug",
    "severity": "general",
    "deciding_authority": "长沙市市场监督管理局",
    "decision_number": "长市监罚〔2026〕5号",
}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def world(stack: LocalStack) -> Iterator[dict[str, Any]]:
    assert as_operator(stack, "PUT", f"/v1/regions/{HUNAN}", {"name": "湖南省"}).status == 200
    changsha = platform(stack, CHANGSHA, "cs-standing", {"name": "长沙市"})
    hunan = Receiver("湖南省").start()
    hunan.subscribe(
        stack.url, {"region": HUNAN}, {"authorization": f"Bearer {stack.operator_token}"}
    )
    yield {"changsha": changsha, "hunan": hunan}
    hunan.stop()


def pushed(stack: LocalStack, client: PushClient, *entries: dict[str, Any]) -> Response:
    reply = client.push(list(entries), datetime.now(UTC))
    assert reply.status == 200, reply.body
    drain(stack)
    return reply


def heard(world: dict[str, Any], listing_id: str) -> list[Any]:
    return [
        x.payload
        for x in world["hunan"].received
        if x.payload.data.listing.listing_id == listing_id
    ]


def subject(stack: LocalStack) -> dict[str, Any]:
    reply = as_operator(stack, "GET", f"/v1/subjects/{CODE}?as={HUNAN}")
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_the_story_of_one_subject(stack: LocalStack, world: dict[str, Any]) -> None:
    changsha: PushClient = world["changsha"]
    red_id = pushed(
        stack,
        changsha,
        {**RED, "decided_on": day(60), "valid_from": day(60), "source_updated_at": stamp()},
    ).body["outcomes"][0]["listing_id"]
    [listed] = heard(world, red_id)
    incentives = [m.measure_id for m in listed.recognition.measures]
    assert incentives

    # A general-severity entry is a dishonesty record: delivered and shown, without measures.
    record_id = pushed(stack, changsha, black(**RECORD)).body["outcomes"][0]["listing_id"]
    [record] = heard(world, record_id)
    assert (record.recognition.listed_as, record.recognition.measures) == ("dishonesty_record", ())
    assert heard(world, red_id)[-1].recognition.measures  # a record does not suspend incentives

    # A serious court defaulter: the red listing is re-sent with its incentives held back.
    court_id = pushed(stack, changsha, black()).body["outcomes"][0]["listing_id"]
    held_back = heard(world, red_id)[-1]
    assert held_back.type == "recognition.changed"
    assert held_back.recognition.measures == ()
    assert [m.measure_id for m in held_back.recognition.suspended_measures] == incentives
    assert held_back.recognition.suspended_because == "black_listing_in_force"
    view = subject(stack)
    assert view["benefits"]["green_channel"] is False
    assert view["benefits"]["refused_because"] == ["black_listing_standing"]

    # Performed yesterday, deleted today: the incentives come back; the channel waits 3 years.
    body = {
        "region": CHANGSHA,
        "batch_id": f"cs-performed-{datetime.now(UTC):%H%M%S%f}",
        "issued_at": datetime.now(UTC).isoformat(),
        "entries": [],
        "removals": [
            {
                **{k: black()[k] for k in ("credit_code", "kind", "domain")},
                "deciding_authority": "长沙市中级人民法院",
                "decision_number": "(2026)湘01执88号",
                "reason": "performed",
                "performed_on": day(1),
                "source_updated_at": stamp(1),
            }
        ],
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    reply = changsha.send_signed("/v1/pushes", body["batch_id"], raw, datetime.now(UTC))
    assert reply.status == 200, reply.body
    assert reply.body["removed"] == 1, reply.body
    drain(stack)
    assert heard(world, court_id)[-1].data.type == "performed"
    restored = heard(world, red_id)[-1]
    assert [m.measure_id for m in restored.recognition.measures] == incentives
    assert restored.recognition.suspended_measures == ()
    view = subject(stack)
    # the food record still stands; the court listing ended today (the gateway's own history)
    assert view["benefits"]["refused_because"] == [
        "black_listing_standing",
        "black_listing_ended_within_three_years",
    ]
    assert view["benefits"]["open_from"] is None  # not only time stands in the way
    month = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m")
    stats = as_operator(stack, "GET", f"/v1/stats?region={CHANGSHA}&month={month}").body
    assert stats["performed_removals"] == {"removed": 1, "late": 0, "on_time_share": 1.0}
    assert stats["active_dishonesty_records"] == {"food_drug": {"general": 1}}


def test_a_court_period_beyond_two_years_without_an_extension_is_refused_per_entry(
    stack: LocalStack, world: dict[str, Any]
) -> None:
    changsha: PushClient = world["changsha"]
    before = len(world["hunan"].received)
    too_long = black(decision_number="(2026)湘01执99号", valid_until=day(40 - 2 * 366))

    reply = pushed(stack, changsha, too_long)

    assert [(e["field"], e["code"]) for e in reply.body["errors"]] == [
        ("valid_until", "period_too_long")
    ]
    assert reply.body["accepted"] == 0
    assert len(world["hunan"].received) == before
    extended = {"decision_number": "(2026)湘01执99号之一", "decided_on": day(2), "years": 1}
    accepted = pushed(stack, changsha, {**too_long, "extension": extended})
    assert accepted.body["accepted"] == 1, accepted.body
