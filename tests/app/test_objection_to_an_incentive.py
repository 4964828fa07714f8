"""An objection suspends only punishment while it is checked (seeds 001 §二(四)6, 003 (二十五):
联合惩戒措施在信息核实期间暂不执行): an objection to a red listing or an incentive grade, filed
by its owner or by the operator for the subject, leaves it in force, and the regions that
recognise it keep its incentives (review 391: it was suspended, its incentives withdrawn
everywhere until the decision)."""

from __future__ import annotations

from typing import Any

from app_support import CREDIT_CODE, GUANGDONG
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    pushed,
    recent_entry,
)
from test_grade_changed_under_objection import grade_entry

from gateway.delivery.planning import payload_for


def red_entry(**overrides: Any) -> dict[str, Any]:
    entry = recent_entry(
        kind="red",
        domain="a_grade_taxpayer",
        reason="A级纳税人",
        subject_name="清远某某化工有限公司",
        deciding_authority="国家税务总局清远市清城区税务局",
        decision_number="清城税A(2026)1号",
    )
    entry.pop("severity")
    entry.pop("legal_basis")
    entry.update(overrides)
    return entry


def test_the_owners_objection_to_a_red_listing_does_not_suspend_it(gateway) -> None:
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)  # 清城: its objections suspend punishment
    listing_id = pushed(gateway, owner, QINGCHENG, red_entry())

    filed = life.file_objection(CREDIT_CODE, listing_id, "o-red-1", owner, reason="名称有误")

    assert filed.status_code == 201, filed.json_body
    listing = filed.json_body["listing"]
    assert listing["status"] == "active", listing["status"]  # observed: suspended


def test_the_subjects_objection_to_its_red_listing_keeps_recipients_incentives(
    gateway, aws, stream, receiver
) -> None:
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    gateway.register_platform(GUANGDONG)  # recognises 清城's listings (own subtree)
    for region in (QINGCHENG, GUANGDONG):
        made = gateway.subscribe_as_operator(region=region, url=receiver.url, filters={})
        assert made.status_code == 201, made.json_body
    listing_id = pushed(gateway, owner, QINGCHENG, red_entry())
    listed = fan_out_and_deliver(aws, stream)
    [before] = [
        payload_for(d, subscriber_region=GUANGDONG).recognition
        for d in listed
        if d.recognition.subscriber_region == GUANGDONG
    ]
    assert before.recognised  # the A taxpayer's incentives apply
    assert before.measures

    filed = life.file_objection(CREDIT_CODE, listing_id, "o-red-2", None, reason="名称有误")
    assert filed.status_code == 201, filed.json_body
    fan_out_and_deliver(aws, stream)  # the notice, acknowledged by the owner's endpoint
    after = fan_out_and_deliver(aws, stream)

    assert life.status(CREDIT_CODE, listing_id) == "active"  # observed: suspended
    told = [d.recognition for d in after if d.recognition.subscriber_region == GUANGDONG]
    assert all(r.recognised and r.measures for r in told), told  # observed: measures_suspended


def test_the_owners_objection_to_an_a_tax_grade_does_not_suspend_it(gateway) -> None:
    """An incentive grade (an A tax grade: ``incentive_grades``) is no punishment either."""
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    listing_id = pushed(gateway, owner, QINGCHENG, grade_entry("A", 1))

    filed = life.file_objection(CREDIT_CODE, listing_id, "o-a-1", owner, reason="年度有误")

    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["status"] == "active"  # observed: suspended
