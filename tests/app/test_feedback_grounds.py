"""Feedback stands on the delivery's grounds on the day a measure was executed: one reported
executed on a day the region's agreement did not recognise the listing (before the agreement
took effect, or after it ended) was accepted and counted as a case, as ``check_report`` judged
only the recognition made on the delivery's day (review 164); and a batch that does not exist is
named at ``batch_id``."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from app_support import (
    CITY,
    HUNAN,
    agreement_terms,
    black_entry,
    create_agreement,
    end_agreement,
    hunan_recognises_city,
    refusal,
    revise_agreement,
)
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    now,
    pushed,
    recent_entry,
    this_month,
)
from test_relayed_objection_notice import COUNTY, objected
from test_stats_counters_route import run_rebuild


def _agreement(gateway, effective_from, effective_until=None) -> None:  # type: ignore[no-untyped-def]
    until = effective_until.isoformat() if effective_until else None
    hunan_recognises_city(gateway, effective_from=effective_from.isoformat(), effective_until=until)


def _report(life, signer, delivery_id, day):  # type: ignore[no-untyped-def]
    body = {
        "delivery_id": delivery_id,
        "measures": [
            {
                "measure_id": "key_supervision",
                "department": "各行业主管部门",
                "executed_on": day.isoformat(),
                "result": "executed",
            }
        ],
    }
    return life.post("/v1/feedback", body, signer)


def test_a_measure_executed_before_the_agreement_took_effect_is_refused(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    today = china_today()
    _agreement(gateway, effective_from=today - timedelta(days=5))
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry(days_ago=40))  # in force for 40 days
    [delivery] = fan_out_and_deliver(aws, stream)
    assert delivery.recognition.recognised  # today, under the agreement in force since 5 days

    # 20 days ago no agreement let 湖南 recognise the listing: nothing to execute it under
    answer = _report(life, hunan, delivery.delivery_id, today - timedelta(days=20))
    cases = life.stats(CITY, this_month()).json_body["cases"]["total"]
    in_effect = _report(life, hunan, delivery.delivery_id, today - timedelta(days=2))

    assert answer.status_code == 409, answer.json_body
    assert refusal(answer)[:3] == (409, "measure_not_delivered", "measures.0.executed_on")
    assert cases == 0
    assert in_effect.status_code == 201, in_effect.json_body


def test_a_measure_executed_after_the_agreement_ended_is_refused(gateway, aws, stream, receiver):
    life = Lifecycle(gateway)
    today = china_today()
    ends = today + timedelta(days=3)
    _agreement(gateway, effective_from=today - timedelta(days=400), effective_until=ends)
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry(days_ago=40))
    [delivery] = fan_out_and_deliver(aws, stream)
    assert delivery.recognition.recognised  # today, while the agreement is in force

    with time_machine.travel(now() + timedelta(days=10), tick=True):
        # the agreement ended 3 days after the delivery: on day 8 湖南 recognised nothing
        answer = _report(life, hunan, delivery.delivery_id, today + timedelta(days=8))
        cases = life.stats(CITY, this_month()).json_body["cases"]["total"]

    assert answer.status_code == 409, answer.json_body
    assert refusal(answer)[:2] == (409, "measure_not_delivered")
    assert cases == 0


def test_an_unknown_batch_is_named_at_batch_id(gateway, aws, stream, receiver):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, black_entry())
    [delivery] = fan_out_and_deliver(aws, stream)
    body = {
        "delivery_id": delivery.delivery_id,
        "batch_id": "bat_" + "0" * 32,  # no such batch
        "measures": [
            {
                "measure_id": "key_supervision",
                "department": "各行业主管部门",
                "executed_on": china_today().isoformat(),
                "result": "executed",
            }
        ],
    }

    answer = life.post("/v1/feedback", body, hunan)

    assert answer.status_code == 404, answer.json_body
    assert answer.json_body["error"]["path"] == "batch_id", answer.json_body


def test_feedback_on_an_objection_notice_is_refused_and_the_notice_counted_nowhere(  # type: ignore[no-untyped-def]
    gateway, aws, stream, receiver
):
    """Review 164: a notice (核查通知) asks the owner's chain to verify an objection; it was
    taken as a delivery of the listing to report measures on, counted as a case, and counted
    in the feedback rate — for a subscription the listing itself never reached. Live and in
    the statistics' rebuild alike, it is counted nowhere."""
    only_food = {"domains": ["food_drug"]}  # the court listing never reaches 湖南's endpoint
    life, hunan_sub, delivered = objected(gateway, aws, stream, receiver, hunan_filters=only_food)
    [notice] = [d for d in delivered if d.subscription_id == hunan_sub]
    assert notice.type == "objection.filed"
    hunan = gateway.register_platform(HUNAN)

    answer = life.post_feedback(hunan, notice.delivery_id)
    live = life.stats(COUNTY, this_month()).json_body
    run_rebuild(gateway, this_month())
    rebuilt = life.stats(COUNTY, this_month()).json_body

    assert refusal(answer) == (409, "not_a_listing_delivery", "delivery_id")
    for stats in (live, rebuilt):
        assert stats["cases"]["total"] == 0
        assert hunan_sub not in {f["subscription_id"] for f in stats["feedback"]}


KEY = {
    "measure_id": "key_supervision",
    "text": "列为重点监管对象，提高检查频次",
    "department": "各行业主管部门",
    "mandatory": False,
}
OWN = {
    "measure_id": "agreed_visit",
    "text": "上门约谈",
    "department": "市场监管部门",
    "mandatory": False,
    "kinds": ["black"],
    "legal_basis": "地方性法规",
}


def _terms_of(title, measures, effective_from, effective_until=None):  # type: ignore[no-untyped-def]
    return agreement_terms(
        title=title,
        sources=[{"region": CITY, "subtree": True}],
        min_severity=None,
        effective_from=effective_from.isoformat(),
        effective_until=effective_until.isoformat() if effective_until else None,
        measures=measures,
    )


def _sign(gateway, *args):  # type: ignore[no-untyped-def]
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    made = create_agreement(gateway, _terms_of(*args))
    assert made.status_code == 201, made.json_body
    return made.json_body["agreement"]["agreement_id"]


def revised_in_turn(gateway, agreement_id, start, steps):  # type: ignore[no-untyped-def]
    """Agreement A revised to each step's measures that many days on (a second apart each)."""
    for n, (days, measures) in enumerate(steps):
        with time_machine.travel(now() + timedelta(days=days, seconds=n), tick=True):
            revised = revise_agreement(gateway, agreement_id, _terms_of("A", measures, start))
            assert revised.status_code == 200, revised.json_body


def _report_measure(life, signer, delivery_id, day, measure_id="key_supervision"):  # type: ignore[no-untyped-def]
    body = {
        "delivery_id": delivery_id,
        "measures": [
            {
                "measure_id": measure_id,
                "department": "各行业主管部门",
                "executed_on": day.isoformat(),
                "result": "executed",
            }
        ],
    }
    return life.post("/v1/feedback", body, signer)


def _delivered_to_hunan(gateway, aws, stream, receiver):  # type: ignore[no-untyped-def]
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry(days_ago=40))
    [delivery] = fan_out_and_deliver(aws, stream)
    assert delivery.recognition.recognised
    return delivery, hunan


def test_a_measure_only_an_ended_agreement_gave_is_refused_though_another_ground_holds(
    gateway, aws, stream, receiver
):
    """Review 167: the delivery named key_supervision by agreement A only (B gives another
    measure). After A ended, key_supervision has no ground: B being in effect gives none."""
    today = china_today()
    _sign(gateway, "A", [KEY], today - timedelta(days=400), today + timedelta(days=3))
    _sign(gateway, "B", [OWN], today - timedelta(days=400))
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    assert {m.measure_id for m in delivery.recognition.measures} == {
        "key_supervision",
        "agreed_visit",
    }

    with time_machine.travel(now() + timedelta(days=10), tick=True):
        answer = _report_measure(life, hunan, delivery.delivery_id, today + timedelta(days=8))

    assert answer.status_code == 409, (answer.status_code, answer.json_body)
    assert refusal(answer)[:2] == (409, "measure_not_delivered")


def test_a_measure_executed_on_the_day_the_agreement_was_ended_is_not_refused(
    gateway, aws, stream, receiver
):
    """Delivered and executed in the morning; the operator ends the agreement that afternoon
    (its first day out is today). The day counts, as a listing repaired at noon leaves it
    (review 167)."""
    today = china_today()
    agreement_id = _sign(gateway, "A", [KEY], today - timedelta(days=5))
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    assert end_agreement(gateway, agreement_id).status_code == 200

    answer = _report_measure(life, hunan, delivery.delivery_id, today)

    assert answer.status_code == 201, answer.json_body


def test_a_measure_executed_under_the_delivered_revision_is_not_refused_after_a_later_revision(
    gateway, aws, stream, receiver
):
    """Executed on the day of the delivery, while the agreement was in effect; the next day the
    operator renews it from ten days later (a gap). The execution had its ground: an agreement
    revised since the delivery is not judged (review 167)."""
    today = china_today()
    agreement_id = _sign(gateway, "A", [KEY], today - timedelta(days=5))
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)

    with time_machine.travel(now() + timedelta(days=1), tick=True):
        later = _terms_of("A", [KEY], today + timedelta(days=11))
        assert revise_agreement(gateway, agreement_id, later).status_code == 200
        answer = _report_measure(life, hunan, delivery.delivery_id, today)

    assert answer.status_code == 201, answer.json_body


def test_a_measure_executed_weeks_after_the_operator_ended_the_agreement_is_refused(
    gateway, aws, stream, receiver
):
    """Review 169: an agreement revised after the delivery was not judged at all, so its end
    (the operator's DELETE is a revision) let any later day's measure through; a start moved
    since is unjudged, an end never."""
    today = china_today()
    agreement_id = _sign(gateway, "A", [KEY], today - timedelta(days=5))
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    assert list(delivery.recognition.basis) == [agreement_id]

    with time_machine.travel(now() + timedelta(hours=1), tick=True):
        assert end_agreement(gateway, agreement_id).status_code == 200  # first day out: today

    with time_machine.travel(now() + timedelta(days=20), tick=True):
        # 湖南 recognised nothing of 七台河 for 19 days: no ground to execute anything on
        answer = _report_measure(life, hunan, delivery.delivery_id, today + timedelta(days=19))
        cases = life.stats(CITY, this_month()).json_body["cases"]["total"]

    assert answer.status_code == 409, (answer.status_code, answer.json_body)
    assert refusal(answer)[:2] == (409, "measure_not_delivered")
    assert cases == 0


def test_a_measure_a_later_revision_dropped_is_reportable_for_the_days_it_was_given(
    gateway, aws, stream, receiver
):
    """The delivery asked for key_supervision and agreed_visit; two days later a revision keeps
    agreed_visit only. A case of key_supervision executed on the delivery's day had its ground
    (review 218: refused once dropped); one executed after the revision had none."""
    today = china_today()
    agreement_id = _sign(gateway, "A", [KEY, OWN], today - timedelta(days=5))
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    assert {m.measure_id for m in delivery.recognition.measures} == {
        KEY["measure_id"],
        "agreed_visit",
    }

    with time_machine.travel(now() + timedelta(days=2), tick=True):
        narrowed = _terms_of("A", [OWN], today - timedelta(days=5))
        assert revise_agreement(gateway, agreement_id, narrowed).status_code == 200
    with time_machine.travel(now() + timedelta(days=4), tick=True):
        before = _report_measure(life, hunan, delivery.delivery_id, today)
        after = _report_measure(life, hunan, delivery.delivery_id, today + timedelta(days=3))

    assert before.status_code == 201, before.json_body
    assert refusal(after)[:2] == (409, "measure_not_delivered")


def test_a_case_in_the_gap_between_a_drop_and_its_re_addition_is_refused(
    gateway, aws, stream, receiver
):
    """key_supervision dropped on day 2, given again on day 4, dropped again on day 6: a case
    of it on day 3 had no ground, one on the delivery's day had (review 219: the gap was
    forgotten once it was given again)."""
    today = china_today()
    start = today - timedelta(days=5)
    agreement_id = _sign(gateway, "A", [KEY, OWN], start)
    life = Lifecycle(gateway)
    delivery, hunan = _delivered_to_hunan(gateway, aws, stream, receiver)
    revised_in_turn(gateway, agreement_id, start, [(2, [OWN]), (4, [KEY, OWN]), (6, [OWN])])

    with time_machine.travel(now() + timedelta(days=8), tick=True):
        in_gap = _report_measure(life, hunan, delivery.delivery_id, today + timedelta(days=3))
        on_day_0 = _report_measure(life, hunan, delivery.delivery_id, today)

    assert on_day_0.status_code == 201, on_day_0.json_body
    assert refusal(in_gap)[:2] == (409, "measure_not_delivered")
