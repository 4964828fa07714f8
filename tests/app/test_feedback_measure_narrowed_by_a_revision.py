"""A measure reported executed is judged, for a day after an agreement's revision narrowed a
written-out measure so it no longer applies to the listing, as not given (review 310): a report
against the delivery before the revision was accepted and counted as a case (联合奖惩案例),
though the re-evaluation had told the region so."""

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
