"""A case (联合奖惩案例) executed on a day after a revision narrowed the agreement so that it no
longer covers the listing has no ground (review 271: ``measure_not_delivered``). A later
revision of other terms only (a new title) does not widen that back: feedback is judged by the
terms as stored from the revision that set what they cover (``coverage_changed_at``), not from
the latest revision (review 400: the report was kept and counted as a case)."""

from __future__ import annotations

from datetime import timedelta

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

KEY = {
    "measure_id": "key_supervision",
    "text": "列为重点监管对象，提高检查频次",
    "department": "各行业主管部门",
    "mandatory": False,
}


def _terms(**overrides):  # type: ignore[no-untyped-def]
    terms = {
        "title": "湖南省认可七台河市失信主体名单",
        "sources": [{"region": CITY, "subtree": True}],
        "min_severity": None,
        "measures": [KEY],
        **overrides,
    }
    return agreement_terms(**terms)


def test_a_title_revision_does_not_ground_days_after_a_narrowing(gateway, aws, stream, receiver):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    made = create_agreement(gateway, _terms())
    assert made.status_code == 201, made.json_body
    agreement_id = made.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry(days_ago=40))  # a court defaulter
    [delivery] = fan_out_and_deliver(aws, stream)
    assert delivery.recognition.recognised is True

    # day 0: the operator narrows the agreement to tax listings: this one is no longer covered
    narrowed = revise_agreement(gateway, agreement_id, _terms(domains=["major_tax_violation"]))
    assert narrowed.status_code == 200, narrowed.json_body
    reevaluate(aws)
    [told] = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    assert (told.type, told.recognition.recognised) == ("recognition.changed", False)

    # day 10: only its title is revised
    with time_machine.travel(now() + timedelta(days=10), tick=True):
        retitled = revise_agreement(
            gateway, agreement_id, _terms(title="更名", domains=["major_tax_violation"])
        )
        assert retitled.status_code == 200, retitled.json_body

    # day 11: 湖南 reports the measure executed on day 5, when nothing covered the listing
    executed = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": (china_today() + timedelta(days=5)).isoformat(),
        "result": "executed",
    }
    with time_machine.travel(now() + timedelta(days=11), tick=True):
        answer = life.post(
            "/v1/feedback", {"delivery_id": delivery.delivery_id, "measures": [executed]}, hunan
        )
    assert answer.status_code == 409, answer.json_body
    assert answer.json_body["error"]["code"] == "measure_not_delivered"
