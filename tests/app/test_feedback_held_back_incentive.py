"""An incentive reported executed on a day the subject's black listing held it back is refused
and counted nowhere, whichever delivery the report names (review 247: one named the red
listing's delivery from before the black listing, was answered 201 and counted as a case)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from app_support import DAYE, HUBEI, HUNAN, agreement_terms, create_agreement
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    listing_path,
    now,
    push_with_removals,
    recent_entry,
    removal_of,
    this_month,
)
from test_query_as_region import red_entry

GREEN = {
    "measure_id": "green_channel",
    "text": "绿色通道",
    "department": "各行政审批部门",
    "mandatory": False,
}


def red_recognition_terms() -> dict:  # type: ignore[type-arg]
    """湖南 recognising 湖北's red lists, with the green channel."""
    return agreement_terms(
        title="湖南省认可湖北省诚信典型名单",
        sources=[{"region": HUBEI, "subtree": True}],
        kinds=["red"],
        min_severity=None,
        measures=[GREEN],
    )


def _red_delivered(gateway, aws, stream, receiver):
    """大冶's red listing delivered to 湖南 with the green channel, 湖南 recognising 湖北's red
    lists: the two platforms, and that delivery."""
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    terms = red_recognition_terms()
    assert create_agreement(gateway, terms).status_code == 201
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    dates = recent_entry()
    red = red_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    assert gateway.push(daye, DAYE, [red]).json_body["accepted"] == 1
    [first] = fan_out_and_deliver(aws, stream)
    return daye, hunan, first


def _black_today() -> dict[str, object]:
    """The red-listed subject's court-defaulter listing, decided today (its incentives wait)."""
    return recent_entry(
        days_ago=0,
        subject_name="大冶某某矿业有限公司",
        deciding_authority="大冶市人民法院",
        decision_number="(2026)鄂0281执9号",
    )


def _report(delivery_id: str, day: str) -> dict[str, object]:
    executed = {"measure_id": "green_channel", "department": "各行政审批部门"}
    return {
        "delivery_id": delivery_id,
        "measures": [{**executed, "executed_on": day, "result": "executed"}],
    }


@pytest.mark.parametrize(
    ("days_after", "refused"),
    [(0, False), (1, True)],
    ids=["the day it was black-listed", "a day it was held back all day"],
)
def test_an_incentive_held_back_that_day_is_refused_and_not_counted(
    gateway, aws, stream, receiver, days_after, refused
):
    life = Lifecycle(gateway)
    daye, hunan, first = _red_delivered(gateway, aws, stream, receiver)
    black = _black_today()
    assert gateway.push(daye, DAYE, [black]).json_body["accepted"] == 1
    [held] = [d for d in fan_out_and_deliver(aws, stream) if d.type == "recognition.changed"]
    assert [m.measure_id for m in held.recognition.suspended_measures] == ["green_channel"]

    day = (china_today() + timedelta(days=days_after)).isoformat()
    with time_machine.travel(now() + timedelta(days=2), tick=True):
        answer = life.post("/v1/feedback", _report(first.delivery_id, day), hunan)
        cases = life.stats(DAYE, this_month()).json_body["cases"]["total"]

    if refused:
        assert answer.status_code == 409, answer.json_body
        error = answer.json_body["error"]
        assert (error["code"], error["path"]) == ("measure_not_delivered", "measures.0.executed_on")
        assert cases == 0
    else:  # the morning before the black listing came may have seen it executed
        assert answer.status_code == 201, answer.json_body
        assert cases == 1


def test_a_day_the_black_listing_did_not_punish_is_not_judged_by_a_graver_version_since(
    gateway, aws, stream, receiver
):
    """Review 249: judged by the version held now, the day a mere dishonesty record stood (no
    incentive held back, the subscriber told so) was refused once it was re-pushed serious."""
    life = Lifecycle(gateway)
    daye, hunan, first = _red_delivered(gateway, aws, stream, receiver)
    record = {
        "days_ago": 0,
        "subject_name": "大冶某某矿业有限公司",
        "domain": "ecology_environment",
        "severity": "relatively_serious",  # a dishonesty record: holds no incentive back
        "deciding_authority": "大冶市生态环境局",
        "decision_number": "冶环罚〔2026〕3号",
    }
    assert gateway.push(daye, DAYE, [recent_entry(**record)]).json_body["accepted"] == 1
    assert not [d for d in fan_out_and_deliver(aws, stream) if d.recognition.suspended_measures]
    day = (china_today() + timedelta(days=1)).isoformat()  # a full day as a mere record
    with time_machine.travel(now() + timedelta(days=2), tick=True):
        earlier = (china_today() - timedelta(days=2)).isoformat()
        ends = (china_today() + timedelta(days=365)).isoformat()  # not later: no extension
        graver = {
            **record,
            "severity": "serious",
            "decided_on": earlier,
            "valid_from": earlier,
            "valid_until": ends,
        }
        serious = recent_entry(**graver) | {"source_updated_at": now().isoformat()}
        assert gateway.push(daye, DAYE, [serious]).json_body["accepted"] == 1
        answer = life.post("/v1/feedback", _report(first.delivery_id, day), hunan)

    assert answer.status_code == 201, answer.json_body  # that day it had its ground


@pytest.mark.parametrize("step", ["objection", "removal"])
def test_steps_since_do_not_unjudge_the_days_it_held_the_incentives_back(
    gateway, aws, stream, receiver, step
):
    """Review 251: an objection the reporter filed on the black listing, or its removal, moved
    its version, and every day it had stood was no longer judged."""
    life = Lifecycle(gateway)
    daye, hunan, first = _red_delivered(gateway, aws, stream, receiver)
    black = _black_today()
    listing_id = gateway.push(daye, DAYE, [black]).json_body["outcomes"][0]["listing_id"]
    fan_out_and_deliver(aws, stream)
    day = (china_today() + timedelta(days=1)).isoformat()  # held back all that day
    with time_machine.travel(now() + timedelta(days=3), tick=True):
        if step == "objection":
            path = listing_path(black["credit_code"], listing_id) + "/objections"
            body = {"objection_id": "o-1", "reason": "已履行完毕", "on_behalf": "subject"}
            assert life.post(path, body, hunan).status_code == 201
        else:
            ended = push_with_removals(gateway, daye, DAYE, [removal_of(black, "revoked")])
            assert ended.json_body["removed"] == 1, ended.json_body
        answer = life.post("/v1/feedback", _report(first.delivery_id, day), hunan)
        cases = life.stats(DAYE, this_month()).json_body["cases"]["total"]

    assert answer.status_code == 409, answer.json_body
    assert cases == 0
