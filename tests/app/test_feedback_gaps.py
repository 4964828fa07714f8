"""What an agreement gave on a case's day: a gap between a drop and a re-addition, the days
before a revision first gave a measure, gaps older than the latest, and the days an agreement
was ended before a revision put it back in force are judged, whatever it gives now (review
222)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from app_support import consume, end_agreement, reevaluate, refusal, revise_agreement
from lifecycle_support import Lifecycle, china_today, now, queued_event
from test_feedback_grounds import (
    KEY,
    OWN,
    _delivered_to_hunan,
    _report_measure,
    _sign,
    _terms_of,
    revised_in_turn,
)

import app as gateway_app


def test_a_case_in_a_closed_gap_is_refused_while_the_measure_is_given_again_now(
    gateway, aws, stream, receiver
):
    """key_supervision dropped on day 2, given again on day 4 (and still given): a case on
    day 3 had no ground. ``given_that_day`` recognises with today's measures and ignores the
    gap."""
    today = china_today()
    start = today - timedelta(days=5)
    agreement_id = _sign(gateway, "A", [KEY, OWN], start)
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    revised_in_turn(gateway, agreement_id, start, [(2, [OWN]), (4, [KEY, OWN])])

    with time_machine.travel(now() + timedelta(days=8), tick=True):
        in_gap = _report_measure(life, hunan, delivery.delivery_id, today + timedelta(days=3))

    assert in_gap.status_code == 409, (in_gap.status_code, in_gap.json_body)
    assert refusal(in_gap)[:2] == (409, "measure_not_delivered")


def _deliver_queued(aws):  # type: ignore[no-untyped-def]
    from gateway.delivery.planning import Delivery

    event = queued_event(aws)
    outcome = gateway_app.deliver_webhooks(event, None)
    assert outcome == {"batchItemFailures": []}
    consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], event)
    return [Delivery.model_validate_json(r["body"]) for r in event["Records"]]


def test_a_case_before_a_revision_first_gave_the_measure_is_refused(gateway, aws, stream, receiver):
    """The agreement gave agreed_visit only; on day 3 a revision adds key_supervision and its
    re-evaluation delivers it. A key_supervision case executed on day 1 had no ground: the
    agreement gave no such measure that day (only drops are recorded, not first additions)."""
    today = china_today()
    start = today - timedelta(days=5)
    agreement_id = _sign(gateway, "A", [OWN], start)
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    assert "key_supervision" not in {m.measure_id for m in delivery.recognition.measures}
    with time_machine.travel(now() + timedelta(days=3), tick=True):
        revised = revise_agreement(gateway, agreement_id, _terms_of("A", [KEY, OWN], start))
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
        [told] = _deliver_queued(aws)
        assert "key_supervision" in {m.measure_id for m in told.recognition.measures}
    with time_machine.travel(now() + timedelta(days=4), tick=True):
        early = _report_measure(life, hunan, told.delivery_id, today + timedelta(days=1))

    assert early.status_code == 409, (early.status_code, early.json_body)
    assert refusal(early)[:2] == (409, "measure_not_delivered")


def test_a_case_in_a_gap_is_refused_after_more_than_eight_later_gaps(
    gateway, aws, stream, receiver
):
    """key_supervision dropped on day 1, given again on day 3 (a gap covering day 2); on day 5
    the operator drops and re-adds it eight times; on day 6 it is dropped for good. The case
    on day 2 had no ground, but the oldest gap is no longer kept."""
    today = china_today()
    start = today - timedelta(days=5)
    agreement_id = _sign(gateway, "A", [KEY, OWN], start)
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    steps = [(1, [OWN]), (3, [KEY, OWN])]
    steps += [(5, m) for _ in range(8) for m in ([OWN], [KEY, OWN])]
    steps += [(6, [OWN])]
    revised_in_turn(gateway, agreement_id, start, steps)
    with time_machine.travel(now() + timedelta(days=8), tick=True):
        in_gap = _report_measure(life, hunan, delivery.delivery_id, today + timedelta(days=2))

    assert in_gap.status_code == 409, (in_gap.status_code, in_gap.json_body)
    assert refusal(in_gap)[:2] == (409, "measure_not_delivered")


def test_a_case_while_the_agreement_was_ended_is_refused_after_it_is_renewed(
    gateway, aws, stream, receiver
):
    """Ended on day 1 (first day out: day 1), put back in force on day 6 by a revision of its
    end: on day 3 the agreement recognised nothing, so a case that day had no ground."""
    today = china_today()
    start = today - timedelta(days=5)
    agreement_id = _sign(gateway, "A", [KEY, OWN], start)
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    with time_machine.travel(now() + timedelta(days=1), tick=True):
        assert end_agreement(gateway, agreement_id).status_code == 200
    with time_machine.travel(now() + timedelta(days=6), tick=True):
        renewed = revise_agreement(gateway, agreement_id, _terms_of("A", [KEY, OWN], start))
        assert renewed.status_code == 200, renewed.json_body
    with time_machine.travel(now() + timedelta(days=8), tick=True):
        ended_day = _report_measure(life, hunan, delivery.delivery_id, today + timedelta(days=3))

    assert ended_day.status_code == 409, (ended_day.status_code, ended_day.json_body)
    assert refusal(ended_day)[:2] == (409, "measure_not_delivered")
