"""Feedback judged against the agreements a report could stand on (review 187): after a renewal
with the same measures (sign B, end A), a case on the delivery that named A is accepted, B
having recognised the listing all along; a revision of an agreement's title does not let a
case from before the agreement began count."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from app_support import (
    CITY,
    HUNAN,
    agreement_terms,
    create_agreement,
    end_agreement,
    queued_messages,
    reevaluate,
    revise_agreement,
)
from lifecycle_support import Lifecycle, china_today, fan_out_and_deliver, now, pushed, recent_entry

KEY = {
    "measure_id": "key_supervision",
    "text": "列为重点监管对象，提高检查频次",
    "department": "各行业主管部门",
    "mandatory": False,
}


def _terms(title):  # type: ignore[no-untyped-def]
    return agreement_terms(
        title=title,
        sources=[{"region": CITY, "subtree": True}],
        min_severity=None,
        effective_from=(china_today() - timedelta(days=100)).isoformat(),
        measures=[KEY],
    )


def _delivered(gateway, aws, stream, receiver, terms):  # type: ignore[no-untyped-def]
    """湖南 subscribes under an agreement of ``terms`` and is delivered 七台河's listing: the
    agreement's id, 湖南's signer and the delivery."""
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    made = create_agreement(gateway, terms)
    assert made.status_code == 201, made.json_body
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    reevaluate(aws)
    queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    pushed(gateway, city, CITY, recent_entry(days_ago=40))
    [delivery] = fan_out_and_deliver(aws, stream)
    assert delivery.recognition.recognised
    return made.json_body["agreement"]["agreement_id"], hunan, delivery


def _world(gateway, aws, stream, receiver):  # type: ignore[no-untyped-def]
    first = _terms("湖南省认可七台河市失信主体名单（第一期）")
    old_id, hunan, delivery = _delivered(gateway, aws, stream, receiver, first)
    assert delivery.recognition.basis == (old_id,)
    # the renewal: a second agreement with the same measures, then the first ended
    second = create_agreement(gateway, _terms("湖南省认可七台河市失信主体名单（第二期）"))
    assert second.status_code == 201, second.json_body
    assert end_agreement(gateway, old_id).status_code == 200
    reevaluate(aws)
    told = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    return hunan, delivery, second.json_body["agreement"]["agreement_id"], told


def test_feedback_after_a_renewal_stands_on_the_agreement_now_recognising_the_listing(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    hunan, delivery, _, told = _world(gateway, aws, stream, receiver)
    assert told == []  # nothing told: the measures are the same
    executed_on = (china_today() + timedelta(days=2)).isoformat()

    with time_machine.travel(now() + timedelta(days=3), tick=True):
        # 湖南 recognised the listing every day under agreement 2 and executed the measure
        answer = _reported(life, hunan, delivery.delivery_id, executed_on)

    assert answer.status_code == 201, answer.json_body


def test_a_title_revision_does_not_let_a_case_from_before_the_agreement_count(
    gateway, aws, stream, receiver
):
    """A measure executed before the agreement took effect had no ground (review 164), and a
    revision since the delivery (here of the title) waives that only for the days from the
    delivery on (a renewal from a later day: review 167)."""
    life = Lifecycle(gateway)
    terms = {
        **_terms("湖南省认可七台河市失信主体名单"),
        "effective_from": (china_today() - timedelta(days=5)).isoformat(),
    }
    agreement_id, hunan, delivery = _delivered(gateway, aws, stream, receiver, terms)
    day = (china_today() - timedelta(days=20)).isoformat()
    before = _reported(life, hunan, delivery.delivery_id, day)
    assert before.status_code == 409, before.json_body  # no agreement 20 days ago

    fixed = revise_agreement(
        gateway, agreement_id, {**terms, "title": "湖南省认可七台河市失信名单"}
    )
    assert fixed.status_code == 200, fixed.json_body
    after = _reported(life, hunan, delivery.delivery_id, day)

    assert after.status_code == 409, after.json_body
    assert after.json_body["error"]["code"] == "measure_not_delivered"


@pytest.mark.parametrize("retitled_later", [False, True])
def test_a_renewal_after_a_gap_does_not_ground_cases_in_the_gap(  # type: ignore[no-untyped-def]
    gateway, aws, stream, receiver, retitled_later
):
    """A revision waives the start check only until it was made: after it, the new terms
    govern, and a day in the gap no version covered had no ground (review 189) — a later
    revision of the title alone does not widen that (review 190 F5)."""
    life = Lifecycle(gateway)
    today = china_today()
    terms = agreement_terms(
        title="湖南省认可七台河市失信主体名单（第一期）",
        sources=[{"region": CITY, "subtree": True}],
        min_severity=None,
        effective_from=(today - timedelta(days=100)).isoformat(),
        effective_until=(today + timedelta(days=5)).isoformat(),
        measures=[KEY],
    )
    agreement_id, hunan, delivery = _delivered(gateway, aws, stream, receiver, terms)

    with time_machine.travel(now() + timedelta(hours=1), tick=True):
        # the same agreement renewed from day +15: days +5 .. +14 had no agreement in any version
        renewed = revise_agreement(
            gateway,
            agreement_id,
            {
                **terms,
                "effective_from": (today + timedelta(days=15)).isoformat(),
                "effective_until": None,
            },
        )
        assert renewed.status_code == 200, renewed.json_body

    if retitled_later:
        with time_machine.travel(now() + timedelta(days=12), tick=True):
            retitled = {**renewed.json_body["agreement"], "title": "湖南省认可七台河市失信名单"}
            terms_only = {k: retitled[k] for k in terms}
            assert revise_agreement(gateway, agreement_id, terms_only).status_code == 200

    with time_machine.travel(now() + timedelta(days=20), tick=True):
        answer = _reported(
            life, hunan, delivery.delivery_id, (today + timedelta(days=10)).isoformat()
        )

    assert answer.status_code == 409, answer.json_body
    assert answer.json_body["error"]["code"] == "measure_not_delivered"


def _reported(life, hunan, delivery_id: str, executed_on: str):  # type: ignore[no-untyped-def]
    """湖南's report of ``KEY`` executed on that day, against the delivery."""
    measure = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": executed_on,
        "result": "executed",
    }
    return life.post("/v1/feedback", {"delivery_id": delivery_id, "measures": [measure]}, hunan)
