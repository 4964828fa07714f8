"""A measure reported executed is judged on the listing as held, and the agreement as revised,
from the day either changed (review 310): a report against the delivery of an earlier version
was accepted and counted as a case (联合奖惩案例) after the owner lowered the severity below the
agreement's, corrected a grade, or the operator gave the listing to a region outside the
agreement's sources — and after a revision narrowed a written-out measure so it no longer
applied — though fan-out had told the region so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from app_support import (
    CITY,
    HUNAN,
    agreement_terms,
    create_agreement,
    queued_messages,
    reevaluate,
    revise_agreement,
)
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    now,
    pushed,
    recent_entry,
)


def assert_not_grounded(
    life: Lifecycle, signer: Any, delivery_id: str, measure_id: str, department: str
) -> None:
    """``measure_id`` reported executed four days on, against ``delivery_id``: refused."""
    later = china_today() + timedelta(days=4)
    executed = {
        "measure_id": measure_id,
        "department": department,
        "executed_on": later.isoformat(),
        "result": "executed",
    }
    report = {"delivery_id": delivery_id, "measures": [executed]}
    with time_machine.travel(now() + timedelta(days=5), tick=True):
        answer = life.post("/v1/feedback", report, signer)
    assert answer.status_code == 409, answer.json_body
    assert answer.json_body["error"]["code"] == "measure_not_delivered"


def test_a_report_on_the_old_version_after_a_downgrade_is_not_grounded(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    terms = agreement_terms(
        title="湖南省认可七台河市严重失信主体名单",
        sources=[{"region": CITY, "subtree": True}],
        min_severity="serious",
        measures=[
            {
                "measure_id": "key_supervision",
                "text": "列为重点监管对象，提高检查频次",
                "department": "各行业主管部门",
                "mandatory": False,
            }
        ],
    )
    assert create_agreement(gateway, terms).status_code == 201
    reevaluate(aws)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    entry = recent_entry(days_ago=40, severity="serious")
    pushed(gateway, city, CITY, entry)
    [first] = fan_out_and_deliver(aws, stream)
    assert first.recognition.recognised

    # the court corrects the severity: below what 湖南 recognises
    stamp = (now() - timedelta(minutes=1)).isoformat()
    pushed(gateway, city, CITY, {**entry, "severity": "general", "source_updated_at": stamp})
    [second] = fan_out_and_deliver(aws, stream)
    assert second.change.listing.listing_id == first.change.listing.listing_id
    assert not second.recognition.recognised, second.recognition

    assert_not_grounded(life, hunan, first.delivery_id, "key_supervision", "各行业主管部门")


def test_an_incentive_on_the_a_grade_delivery_after_the_grade_fell_to_d_is_not_grounded(
    gateway, aws, stream, receiver
):
    """The same gap, as an incentive: the tax grade corrected from A to D (湖南 told that the
    incentive no longer applies), an incentive executed days later is reported against the A
    delivery and counted as a case."""
    from test_evaluation_standing import grade

    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    terms = agreement_terms(
        title="湖南省认可七台河市纳税信用评价结果",
        sources=[{"region": CITY, "subtree": True}],
        kinds=["evaluation"],
        min_severity=None,
        measures=[
            {
                "measure_id": "evaluation_incentives",
                "text": "信用评价结果优良：优化检查频次，优先办理，适用守信激励",
                "department": "各行业主管部门",
                "mandatory": False,
            }
        ],
    )
    made = create_agreement(gateway, terms)
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    a_grade = grade("A", source_updated_at=(now() - timedelta(minutes=5)).isoformat())
    pushed(gateway, city, CITY, a_grade)
    [first] = fan_out_and_deliver(aws, stream)
    assert [m.measure_id for m in first.recognition.measures] == ["evaluation_incentives"]

    d_grade = {
        **a_grade,
        "evaluation": {"scheme": "tax_credit_grade", "grade": "D"},
        "source_updated_at": (now() - timedelta(minutes=1)).isoformat(),
    }
    pushed(gateway, city, CITY, d_grade)
    [second] = fan_out_and_deliver(aws, stream)
    assert second.change.listing.listing_id == first.change.listing.listing_id
    assert "evaluation_incentives" not in [m.measure_id for m in second.recognition.measures]

    assert_not_grounded(life, hunan, first.delivery_id, "evaluation_incentives", "各行业主管部门")


def test_a_report_on_the_squatters_delivery_after_reassignment_is_not_grounded(
    gateway, aws, stream, receiver
):
    """The same gap through the owner: 湖南 recognises 河南's lists; a decision 新郑 pushed
    (delivered to 湖南 recognised) is revoked by 新郑 and reassigned by the operator to
    七台河市, whose lists 湖南 does not recognise (told so). A measure executed days later is
    still grounded by the delivery of 新郑's version."""
    import json as _json

    from app_support import CREDIT_CODE
    from lifecycle_support import XINZHENG, push_with_removals, removal_of

    life = Lifecycle(gateway)
    squatter = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)  # the deciding region
    gateway.put_region(HUNAN)
    terms = agreement_terms(
        title="湖南省认可河南省失信主体名单",
        sources=[{"region": "410000", "subtree": True}],
        min_severity=None,
        measures=[
            {
                "measure_id": "key_supervision",
                "text": "列为重点监管对象，提高检查频次",
                "department": "各行业主管部门",
                "mandatory": False,
            }
        ],
    )
    assert create_agreement(gateway, terms).status_code == 201
    reevaluate(aws)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan = gateway.register_platform(HUNAN)
    entry = recent_entry(days_ago=40)
    lid = pushed(gateway, squatter, XINZHENG, entry)
    [first] = fan_out_and_deliver(aws, stream)
    assert first.recognition.recognised
    revoked = push_with_removals(gateway, squatter, XINZHENG, [removal_of(entry, "revoked")])
    assert revoked.json_body["removed"] == 1, revoked.json_body
    fan_out_and_deliver(aws, stream)
    body = {
        "corrected_entry": {"origin_region": CITY, **entry},
        "note": "认定部门为七台河市；新郑市无权报送",
    }
    moved = gateway.client.http.post(
        f"/v1/subjects/{CREDIT_CODE}/listings/{lid}/reassignment",
        headers=gateway.operator(),
        body=_json.dumps(body, ensure_ascii=False).encode(),
    )
    assert moved.status_code == 200, moved.json_body
    [told] = fan_out_and_deliver(aws, stream)
    assert told.change.listing.origin_region == CITY
    assert not told.recognition.recognised  # 湖南 told: not its to recognise now

    assert_not_grounded(life, hunan, first.delivery_id, "key_supervision", "各行业主管部门")


CUSTOM = {
    "measure_id": "city_custom_check",
    "text": "列入本省专项检查名单",
    "department": "市场监管部门",
    "mandatory": False,
    "kinds": ["black"],
    "domains": ["court_defaulter"],
}


def _terms(measure):  # type: ignore[no-untyped-def]
    return agreement_terms(
        title="湖南省认可七台河市失信主体名单",
        sources=[{"region": CITY, "subtree": True}],
        min_severity=None,
        measures=[measure],
    )


def test_a_measure_narrowed_away_by_a_revision_is_not_grounded_days_later(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    made = create_agreement(gateway, _terms(CUSTOM))
    assert made.status_code == 201, made.json_body
    agreement_id = made.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry(days_ago=40))
    [delivery] = fan_out_and_deliver(aws, stream)
    assert [m.measure_id for m in delivery.recognition.measures] == ["city_custom_check"]

    # the operator narrows the measure to tax listings only: it no longer applies to this one
    narrowed = {**CUSTOM, "domains": ["major_tax_violation"]}
    revised = revise_agreement(gateway, agreement_id, _terms(narrowed))
    assert revised.status_code == 200, revised.json_body
    reevaluate(aws)
    [told] = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    assert told.type == "recognition.changed"
    assert told.recognition.measures == ()  # 湖南 told: the measure no longer applies

    assert_not_grounded(life, hunan, delivery.delivery_id, "city_custom_check", "市场监管部门")
