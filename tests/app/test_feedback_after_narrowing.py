"""An agreement revised so that it no longer covers a listing (its sources or domains narrowed)
grounds no feedback case on the days after the revision (review 271): the subscriber was told
`recognition.changed` (not recognised), yet a measure reported executed since was accepted and
counted in the monthly statistics. A day up to the revision is still judged by the delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from app_support import DAYE, queued_messages, reevaluate, revise_agreement
from lifecycle_support import Lifecycle, china_today, now
from test_feedback_after_revisions import _delivered, _reported, _terms

TITLE = "湖南省认可七台河市失信主体名单"


def _narrowed(gateway, aws, stream, receiver, narrowing):  # type: ignore[no-untyped-def]
    terms = _terms(TITLE)
    agreement_id, hunan, delivery = _delivered(gateway, aws, stream, receiver, terms)
    gateway.register_platform(DAYE)
    narrowed = {
        "source": {**terms, "sources": [{"region": DAYE, "subtree": True}]},
        "domain": {**terms, "domains": ["food_drug"]},
    }[narrowing]
    revised = revise_agreement(gateway, agreement_id, narrowed)
    assert revised.status_code == 200, revised.json_body
    reevaluate(aws)
    told = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    assert [t.recognition.recognised for t in told] == [False]
    return hunan, delivery


@pytest.mark.parametrize("narrowing", ["source", "domain"])
def test_a_case_after_a_revision_that_stops_covering_the_listing_is_refused(
    gateway, aws, stream, receiver, narrowing
):
    life = Lifecycle(gateway)
    hunan, delivery = _narrowed(gateway, aws, stream, receiver, narrowing)
    executed_on = (china_today() + timedelta(days=2)).isoformat()

    with time_machine.travel(now() + timedelta(days=3), tick=True):
        answer = _reported(life, hunan, delivery.delivery_id, executed_on)

    assert answer.status_code == 409, answer.json_body
    assert answer.json_body["error"]["code"] == "measure_not_delivered"
    assert answer.json_body["error"]["path"] == "measures.0.executed_on"
    assert "no longer covers" in answer.json_body["error"]["message"]


def test_a_case_on_the_day_of_the_revision_is_judged_by_the_delivery(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    hunan, delivery = _narrowed(gateway, aws, stream, receiver, "domain")

    answer = _reported(life, hunan, delivery.delivery_id, china_today().isoformat())

    assert answer.status_code == 201, answer.json_body
