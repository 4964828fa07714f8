"""A case (联合奖惩案例) executed on a day after a revision narrowed the agreement so that it no
longer covers the listing has no ground (review 271: ``measure_not_delivered``). A later
revision that leaves what it covers as it is — a new title, a measure added for other listings,
the same domains in another order — does not widen that back: feedback is judged by the terms
as stored from the revision that set what they cover (``coverage_changed_at``), not from the
latest revision (review 400: the report was kept and counted as a case; review 401: a measure
added, or domains reordered, moved the day)."""

from __future__ import annotations

from datetime import timedelta

import pytest
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


OTHER = {
    "measure_id": "hunan_tax_interview",
    "text": "约谈企业负责人",
    "department": "湖南省税务局",
    "mandatory": False,
}
TAX, FOOD = "major_tax_violation", "food_drug"


@pytest.mark.parametrize(
    ("narrowed", "later"),
    [
        pytest.param([TAX], {"title": "更名", "domains": [TAX]}, id="a-title"),
        pytest.param([TAX], {"domains": [TAX], "measures": [KEY, OTHER]}, id="a-measure-added"),
        pytest.param([TAX, FOOD], {"domains": [FOOD, TAX]}, id="domains-reordered"),
    ],
)
def test_a_later_revision_of_other_terms_does_not_ground_days_after_a_narrowing(
    gateway, aws, stream, receiver, narrowed, later
):  # type: ignore[no-untyped-def]
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

    # day 0: the operator narrows the agreement: this listing is no longer covered
    revised = revise_agreement(gateway, agreement_id, _terms(domains=narrowed))
    assert revised.status_code == 200, revised.json_body
    reevaluate(aws)
    [told] = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    assert (told.type, told.recognition.recognised) == ("recognition.changed", False)

    # day 10: a revision that covers the same listings
    with time_machine.travel(now() + timedelta(days=10), tick=True):
        again = revise_agreement(gateway, agreement_id, _terms(**later))
        assert again.status_code == 200, again.json_body

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
