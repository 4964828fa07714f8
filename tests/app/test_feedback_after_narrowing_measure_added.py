"""A revision that only adds a measure (judged by the agreement's measure gaps), or writes the
same domains in another order, does not move ``coverage_changed_at``: the days between an
earlier narrowing and it stay judged by the narrowed terms (review 401: a case executed on a
day the agreement did not cover the listing was accepted, as review 400's title change was)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from app_support import CITY, HUNAN, create_agreement, queued_messages, reevaluate, revise_agreement
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    now,
    pushed,
    recent_entry,
)
from test_feedback_after_narrowing_retitled import KEY, _terms

OTHER = {
    "measure_id": "hunan_tax_interview",
    "text": "约谈企业负责人",
    "department": "湖南省税务局",
    "mandatory": False,
}


def test_a_measure_added_does_not_ground_days_after_a_narrowing(gateway, aws, stream, receiver):
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

    # day 0: narrowed to tax listings: this one is no longer covered
    narrowed = revise_agreement(gateway, agreement_id, _terms(domains=["major_tax_violation"]))
    assert narrowed.status_code == 200, narrowed.json_body
    reevaluate(aws)
    [told] = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    assert (told.type, told.recognition.recognised) == ("recognition.changed", False)

    # day 10: a measure for the tax listings is added; nothing about this listing changes
    with time_machine.travel(now() + timedelta(days=10), tick=True):
        more = revise_agreement(
            gateway,
            agreement_id,
            _terms(domains=["major_tax_violation"], measures=[KEY, OTHER]),
        )
        assert more.status_code == 200, more.json_body

    # day 11: 湖南 reports key_supervision executed on day 5, when nothing covered the listing
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


def test_domains_reordered_do_not_ground_days_after_a_narrowing(gateway, aws, stream, receiver):
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

    # day 0: narrowed to tax and food listings: this one is no longer covered
    narrowed = revise_agreement(
        gateway, agreement_id, _terms(domains=["major_tax_violation", "food_drug"])
    )
    assert narrowed.status_code == 200, narrowed.json_body
    reevaluate(aws)

    # day 10: the same two domains, written in the other order: the same coverage
    with time_machine.travel(now() + timedelta(days=10), tick=True):
        same = revise_agreement(
            gateway, agreement_id, _terms(domains=["food_drug", "major_tax_violation"])
        )
        assert same.status_code == 200, same.json_body

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
