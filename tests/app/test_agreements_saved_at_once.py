"""Two agreements of one subscriber region ended at once: each save read the other agreement
as it was, and the one stamped earlier committed last (review 109 F1). The region's saves are
counted, so the one that read before the other saved is refused 409 and writes nothing (review
163); retried, whatever order the jobs run in, the subscriber's last word is what is in force
now — here, nothing recognises the listing."""

from __future__ import annotations

import threading
from typing import Any

from app_support import (
    DAYE,
    HUNAN,
    Gateway,
    StreamReader,
    agreement_terms,
    consume,
    create_agreement,
    end_agreement,
    queued_messages,
    reevaluate,
    sqs_event,
    two_daye_subjects,
)

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract import Conflict, china_date


def _measure(mid: str, text: str) -> dict[str, Any]:
    return {"measure_id": mid, "text": text, "department": "发展改革部门", "mandatory": False}


def test_two_agreements_ended_at_once_leave_the_subscriber_told_not_recognised(
    gateway: Gateway, receiver: Any, stream: StreamReader, aws: Any
) -> None:
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201, sub.json_body
    pushed = gateway.push(daye, DAYE, two_daye_subjects()[:1])
    assert pushed.json_body["accepted"] == 1, pushed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])

    a = create_agreement(
        gateway, agreement_terms(title="协议甲", measures=[_measure("restrict_franchise", "甲")])
    )
    b = create_agreement(
        gateway,
        agreement_terms(title="协议乙", measures=[_measure("strict_licensing_review", "乙")]),
    )
    assert a.status_code == b.status_code == 201
    a_id = a.json_body["agreement"]["agreement_id"]
    b_id = b.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])

    desk = bootstrap.container().agreement_desk
    store = desk.agreements
    real_all = store.all
    gate = threading.Event()
    paused = threading.Event()
    a_thread_name = "end-A"

    def all_paused() -> Any:
        if threading.current_thread().name == a_thread_name and not gate.is_set():
            paused.set()
            assert gate.wait(10)
        return real_all()

    store.all = all_paused  # type: ignore[method-assign]
    result: dict[str, Any] = {}

    def end_a() -> None:
        try:
            result["a"] = desk.end(a_id)
        except Conflict as refused:  # B's save counted since A's read (review 163)
            result["a"] = refused

    t = threading.Thread(target=end_a, name=a_thread_name)
    t.start()
    assert paused.wait(10)  # A's revision stamped, the other agreements not read yet
    ended_b = end_agreement(gateway, b_id)  # stamped later, B's job reads A still in force
    assert ended_b.status_code == 200, ended_b.json_body
    gate.set()
    t.join(10)
    store.all = real_all  # type: ignore[method-assign]
    assert isinstance(result["a"], Conflict)  # judged against B in force: refused, not saved
    assert end_agreement(gateway, a_id).status_code == 200  # the operator's retry

    # A's job first, then B's (a standard queue read by concurrent invocations: any order)
    url = aws.env["CG_REEVALUATION_QUEUE_URL"]
    event = sqs_event(aws.sqs, url, "cn-northwest-1")
    records = event["Records"]
    assert len(records) == 2
    by_job = {r["body"]: r for r in records}
    a_job = next(r for body, r in by_job.items() if a_id in body)
    b_job = next(r for body, r in by_job.items() if b_id in body)
    for record in (a_job, b_job):
        gateway_app.reevaluate_agreements({"Records": [record]}, None)
        consume(aws.sqs, url, {"Records": [record]})

    # both agreements are stored ended: nothing recognises the listing for 湖南
    today = china_date(bootstrap.container().clock.now())
    held = [x for x in store.all() if x.subscriber_region == HUNAN]
    assert {x.agreement_id for x in held} == {a_id, b_id}
    assert all(x.effective_until is not None and x.effective_until <= today for x in held)

    told = [
        d
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.type == "recognition.changed"
    ]
    seen = [
        (x.recognition.recognised, [m.measure_id for m in x.recognition.measures])
        for x in told
        if x.recognition is not None
    ]
    # the stale job (B's, made reading A in force) no longer has the last word
    assert seen
    assert seen[-1] == (False, []), seen
