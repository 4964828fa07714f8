"""An agreement revised on the day it begins or ends, before that day's tick: the revision gets
no date job (it was re-evaluated when saved), so its re-evaluation compares the previous
revision as its subscribers were last told of it, and tells the start or the end, once
(review 94 F1)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import time_machine
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    queued_messages,
    reevaluate,
    revise_agreement,
    two_daye_subjects,
)
from lifecycle_support import Lifecycle

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.reevaluations import DynamoReevaluations
from gateway.delivery import JobsNotStored
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


def deliveries(aws):
    return queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])


def setup_hunan(gateway, receiver, stream, aws):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    response = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert response.status_code == 201
    pushed = gateway.push(daye, DAYE, two_daye_subjects())
    assert pushed.json_body["accepted"] == 2, pushed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    listed = deliveries(aws)
    return sorted(d.change.listing.listing_id for d in listed)


def beijing(day, hour=0, minute=5):
    return datetime.combine(day, time(hour, minute), CHINA).astimezone(UTC)


def revised_past_midnight(gateway, aws, agreement_id: str, day, terms) -> list:  # type: ignore[no-untyped-def]
    """Today's tick run, the agreement revised at 00:05 on ``day``, before that day's tick;
    then its re-evaluation and the tick's: what is queued."""
    assert Lifecycle(gateway).tick().status_code == 200  # today's tick ran
    reevaluate(aws)
    assert deliveries(aws) == []
    with time_machine.travel(beijing(day, 0, 5), tick=True):
        revised = revise_agreement(gateway, agreement_id, terms)
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
        tick = Lifecycle(gateway).tick()
        assert tick.status_code == 200, tick.json_body
        reevaluate(aws)
        return deliveries(aws)


def test_revision_on_start_day_before_tick_still_tells_the_start(gateway, receiver, stream, aws):
    ids = setup_hunan(gateway, receiver, stream, aws)
    begins = china_date(datetime.now(UTC)) + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_from=begins.isoformat()))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    assert deliveries(aws) == []  # not yet effective

    # the operator corrects the title just after midnight
    terms = agreement_terms(title="更正标题", effective_from=begins.isoformat())
    told = revised_past_midnight(
        gateway, aws, made.json_body["agreement"]["agreement_id"], begins, terms
    )

    recognised = sorted(d.change.listing.listing_id for d in told if d.recognition.recognised)
    assert recognised == ids, f"湖南 never told the agreement began: {told}"


def test_revision_on_end_day_before_tick_still_tells_the_end(gateway, receiver, stream, aws):
    ids = setup_hunan(gateway, receiver, stream, aws)
    ends = china_date(datetime.now(UTC)) + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_until=ends.isoformat()))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    first = deliveries(aws)
    assert sorted(d.change.listing.listing_id for d in first if d.recognition.recognised) == ids

    # on the first day out the operator renews the memorandum from ten days later (a gap)
    terms = agreement_terms(effective_from=(ends + timedelta(days=10)).isoformat())
    told = revised_past_midnight(
        gateway, aws, made.json_body["agreement"]["agreement_id"], ends, terms
    )

    withdrawn = sorted(d.change.listing.listing_id for d in told if not d.recognition.recognised)
    assert withdrawn == ids, f"湖南 never told the agreement ended: {told}"


def test_revision_before_tick_on_another_agreements_start_day_tells_the_listing(
    gateway, receiver, stream, aws
):
    """Review 167: a revision saved on the day another agreement of the region begins, before
    the day's date job, compared it as it is today (in force on both sides), and the date job
    then compared against the revision: a listing both recognise today was told by neither."""
    ids = setup_hunan(gateway, receiver, stream, aws)
    gateway.put_region("440000", name="广东省")
    begins = china_date(datetime.now(UTC)) + timedelta(days=1)
    x = create_agreement(gateway, agreement_terms(title="X", effective_from=begins.isoformat()))
    assert x.status_code == 201, x.json_body
    p = create_agreement(
        gateway, agreement_terms(title="P", sources=[{"region": "440000", "subtree": True}])
    )
    assert p.status_code == 201, p.json_body
    assert Lifecycle(gateway).tick().status_code == 200  # today's tick
    reevaluate(aws)
    assert deliveries(aws) == []  # nobody recognises the 大冶 listings yet

    p_id = p.json_body["agreement"]["agreement_id"]
    with time_machine.travel(beijing(begins, 0, 5), tick=True):
        # X begins today; P is widened to 湖北 before today's tick
        revised = revise_agreement(gateway, p_id, agreement_terms(title="P"))
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
        tick = Lifecycle(gateway).tick()
        assert tick.status_code == 200, tick.json_body
        reevaluate(aws)
        told = deliveries(aws)

    recognised = sorted(d.change.listing.listing_id for d in told if d.recognition.recognised)
    assert recognised == ids, f"湖南 never told its listings are now recognised: {told}"


def test_revision_while_the_region_is_held_back_tells_the_listing(
    gateway, receiver, stream, aws, monkeypatch
):
    """The same while the region is held back: its date job failed on the day X began (as a
    region stored over the limit does); two days later P is widened; the next tick stores the
    region's job from its held day. Neither job tells the listings they are now recognised."""
    ids = setup_hunan(gateway, receiver, stream, aws)
    gateway.put_region("440000", name="广东省")
    today = china_date(datetime.now(UTC))
    begins = today + timedelta(days=1)
    x = create_agreement(gateway, agreement_terms(title="X", effective_from=begins.isoformat()))
    p = create_agreement(
        gateway, agreement_terms(title="P", sources=[{"region": "440000", "subtree": True}])
    )
    assert (x.status_code, p.status_code) == (201, 201)
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200
    reevaluate(aws)
    assert deliveries(aws) == []

    real = DynamoReevaluations.start

    def refusing(self, jobs):  # type: ignore[no-untyped-def]
        ours = [j for j in jobs if j.region == HUNAN]
        stored = real(self, [j for j in jobs if j.region != HUNAN])
        if ours:
            raise JobsNotStored(stored, ours)
        return stored

    monkeypatch.setattr(DynamoReevaluations, "start", refusing)
    with time_machine.travel(beijing(begins, 2, 0), tick=True):
        assert life.tick().status_code == 500  # 湖南's date job could not be stored
    monkeypatch.setattr(DynamoReevaluations, "start", real)
    assert container().reevaluations.held_back() == {HUNAN: today}

    p_id = p.json_body["agreement"]["agreement_id"]
    with time_machine.travel(beijing(begins + timedelta(days=1), 9, 0), tick=True):
        revised = revise_agreement(gateway, p_id, agreement_terms(title="P"))
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
    with time_machine.travel(beijing(begins + timedelta(days=2), 2, 0), tick=True):
        tick = life.tick()
        assert tick.status_code == 200, tick.json_body
        reevaluate(aws)
        told = deliveries(aws)

    recognised = sorted(d.change.listing.listing_id for d in told if d.recognition.recognised)
    assert recognised == ids, f"湖南 never told its listings are now recognised: {told}"


TAX_ONLY = ["major_tax_violation"]  # P covers 湖北 but recognises no court defaulter
ONE = agreement_terms()["measures"][1:]  # one measure: 从严审核行政许可审批项目


def test_other_agreement_start_told_once_when_revision_precedes_tick(
    gateway, receiver, stream, aws
):
    """X begins on day D; P (also over 湖北, recognising none of the listings) is retitled at
    00:05 on D, before D's tick. X's start is one change: each listing told once (review 169:
    the revision job told it, then the date job again)."""
    ids = setup_hunan(gateway, receiver, stream, aws)
    begins = china_date(datetime.now(UTC)) + timedelta(days=1)
    x = create_agreement(gateway, agreement_terms(title="X", effective_from=begins.isoformat()))
    p = create_agreement(gateway, agreement_terms(title="P", domains=TAX_ONLY))
    assert (x.status_code, p.status_code) == (201, 201)
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200
    reevaluate(aws)
    assert deliveries(aws) == []

    p_id = p.json_body["agreement"]["agreement_id"]
    with time_machine.travel(beijing(begins, 0, 5), tick=True):
        revised = revise_agreement(gateway, p_id, agreement_terms(title="P 更正", domains=TAX_ONLY))
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
        assert life.tick().status_code == 200
        reevaluate(aws)
        told = deliveries(aws)

    counts = Counter(d.change.listing.listing_id for d in told if d.recognition.recognised)
    assert sorted(counts) == ids
    assert set(counts.values()) == {1}, f"X's start told more than once: {counts}"


def test_two_revisions_before_the_tick_on_another_s_end_day_leave_the_last_word_right(
    gateway, receiver, stream, aws
):
    """X (recognising the listings) ends on day D. At 00:05 on D, before the tick, P (over
    湖北, tax only) is retitled; at 00:10 P is widened to every domain with X's measures. The
    listings stay recognised (by P from D on): review 169 found the first job telling X's end
    and the second, comparing from X still in force, telling nothing, so the last word was
    "not recognised". X's end is its date job's now, which finds P recognising them."""
    ids = setup_hunan(gateway, receiver, stream, aws)
    ends = china_date(datetime.now(UTC)) + timedelta(days=1)
    x = create_agreement(
        gateway, agreement_terms(title="X", effective_until=ends.isoformat(), measures=ONE)
    )
    p = create_agreement(gateway, agreement_terms(title="P", domains=TAX_ONLY, measures=ONE))
    assert (x.status_code, p.status_code) == (201, 201)
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200
    reevaluate(aws)
    first = deliveries(aws)
    assert sorted(d.change.listing.listing_id for d in first if d.recognition.recognised) == ids

    p_id = p.json_body["agreement"]["agreement_id"]
    with time_machine.travel(beijing(ends, 0, 5), tick=False):
        revised = revise_agreement(
            gateway, p_id, agreement_terms(title="P 更正", domains=TAX_ONLY, measures=ONE)
        )
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
    with time_machine.travel(beijing(ends, 0, 10), tick=False):
        widened = agreement_terms(title="P 扩大", domains=[], measures=ONE)
        revised = revise_agreement(gateway, p_id, widened)
        assert revised.status_code == 200, revised.json_body
        reevaluate(aws)
    with time_machine.travel(beijing(ends, 2, 0), tick=True):
        assert life.tick().status_code == 200
        reevaluate(aws)
    told = [*first, *deliveries(aws)]
    last = {}
    for d in told:
        last[d.change.listing.listing_id] = d.recognition.recognised
    assert last == {i: True for i in ids}, (
        f"湖南 last told the listings are not recognised; P now recognises them: {told}"
    )
