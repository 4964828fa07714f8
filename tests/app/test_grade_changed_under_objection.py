"""A grade corrected while its objection is checked is suspended as it now is: punishment
waits for the check, an incentive does not (README). Whether it punished was judged once, at
the filing: a D tax grade suspended by its owner's objection and corrected to A by a push
stayed suspended, its incentives withheld from every recipient until the decision; an A grade
lowered to D under the owner's suspending objection stayed in force (review 395)."""

from __future__ import annotations

from datetime import date, timedelta

from app_support import CREDIT_CODE
from lifecycle_support import QINGCHENG, Lifecycle, now, pushed, recent_entry


def grade_entry(grade: str, stamped_hours_ago: float) -> dict:
    entry = recent_entry(
        kind="evaluation",
        domain="tax_credit",
        reason="2025年度纳税信用评价",
        subject_name="清远某某化工有限公司",
        deciding_authority="国家税务总局清远市清城区税务局",
        decision_number="清城税信评〔2026〕5号",
        evaluation={"scheme": "tax_credit_grade", "grade": grade},
        source_updated_at=(now() - timedelta(hours=stamped_hours_ago)).isoformat(),
    )
    until = date.fromisoformat(entry["valid_from"]) + timedelta(days=300)
    entry["valid_until"] = until.isoformat()
    entry.pop("severity")
    entry.pop("legal_basis")
    return entry


def test_a_grade_raised_to_an_incentive_while_suspended_is_not_left_suspended(gateway) -> None:
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)  # 清城: its own objections suspend punishment
    listing_id = pushed(gateway, owner, QINGCHENG, grade_entry("D", 2))
    filed = life.file_objection(CREDIT_CODE, listing_id, "o-d-1", owner, reason="等级有误")
    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["status"] == "suspended"  # a poor grade: punishment waits

    raised = gateway.push(owner, QINGCHENG, [grade_entry("A", 0.01)])
    assert raised.status_code == 200, raised.json_body
    assert raised.json_body["accepted"] == 1, raised.json_body

    view = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]
    assert view["evaluation"]["grade"] == "A"
    # an A grade is an incentive: never suspended while an objection is checked
    assert view["status"] == "active", view["status"]


def test_a_grade_lowered_to_a_poor_one_under_the_owners_objection_is_suspended(gateway) -> None:
    """The mirror case: the owner's own objection to an A grade suspends nothing (an incentive);
    the owner then pushes grade D while the objection is still being checked. The owner's
    policy (清城) suspends punishment during verification, and a D grade is punishment."""
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    listing_id = pushed(gateway, owner, QINGCHENG, grade_entry("A", 2))
    filed = life.file_objection(CREDIT_CODE, listing_id, "o-a-1", owner, reason="等级有误")
    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["status"] == "active"

    lowered = gateway.push(owner, QINGCHENG, [grade_entry("D", 0.01)])
    assert lowered.json_body["accepted"] == 1, lowered.json_body

    view = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]
    assert (view["evaluation"]["grade"], view["objection"]["decided_at"]) == ("D", None)
    assert view["status"] == "suspended", view["status"]


def test_the_subjects_objection_noticed_after_the_grade_was_raised_does_not_suspend_it(
    gateway, aws, stream, receiver
) -> None:
    """The operator files for the subject against a D grade (清城 suspends from the notice);
    before the owner's endpoint acknowledges the notice, the owner pushes the corrected grade A.
    The notice must not then suspend an incentive grade."""
    from lifecycle_support import fan_out_and_deliver

    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    made = gateway.subscribe_as_operator(region=QINGCHENG, url=receiver.url, filters={})
    assert made.status_code == 201, made.json_body
    listing_id = pushed(gateway, owner, QINGCHENG, grade_entry("D", 2))
    fan_out_and_deliver(aws, stream)
    filed = life.file_objection(CREDIT_CODE, listing_id, "o-subj-1", None, reason="等级有误")
    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["objection"]["awaiting_notice"] is True

    raised = gateway.push(owner, QINGCHENG, [grade_entry("A", 0.01)])
    assert raised.json_body["accepted"] == 1, raised.json_body
    fan_out_and_deliver(aws, stream)  # the notice (and the update), acknowledged by the owner

    view = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]
    assert view["objection"]["awaiting_notice"] is False
    assert view["evaluation"]["grade"] == "A"
    assert view["status"] == "active", view["status"]


def test_recipients_are_sent_the_raised_grade_with_its_incentives(
    gateway, aws, stream, receiver
) -> None:
    """What subscribers receive: 广东 (its own subtree) is sent the A grade with its incentives,
    not withheld as suspended (the harm review 391 fixed for filings)."""
    from app_support import GUANGDONG
    from lifecycle_support import fan_out_and_deliver

    from gateway.delivery.planning import payload_for

    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    gateway.register_platform(GUANGDONG)
    made = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url, filters={})
    assert made.status_code == 201, made.json_body
    listing_id = pushed(gateway, owner, QINGCHENG, grade_entry("D", 2))
    fan_out_and_deliver(aws, stream)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-d-2", owner).status_code == 201
    fan_out_and_deliver(aws, stream)
    assert gateway.push(owner, QINGCHENG, [grade_entry("A", 0.01)]).json_body["accepted"] == 1

    told = [
        payload_for(d, subscriber_region=GUANGDONG)
        for d in fan_out_and_deliver(aws, stream)
        if d.recognition.subscriber_region == GUANGDONG
    ]
    assert told, "the update reached 广东"
    last = told[-1]
    assert last.data.listing.evaluation.grade == "A"
    assert last.recognition.recognised, last.recognition
    assert last.recognition.measures, last.recognition
