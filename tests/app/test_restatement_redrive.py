"""A restatement — a ``recognition.changed`` an agreement's re-evaluation sends, or a
``subject.intensified`` carrying a listing restated — has no log entry of its own; a dead one
is rebuilt from the logged change of the version it restated and sent again by a re-drive,
with its id and body, as any dead delivery is; one whose listing retention purged since is
not (its tombstone went out on its own)."""

from __future__ import annotations

import json
from typing import Any

from app_support import (
    DAYE,
    HUNAN,
    Gateway,
    StreamReader,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    end_agreement,
    reevaluate,
    two_daye_subjects,
)
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    push_and_fan_out,
    subscribe,
    subscription_path,
)

from chalicelib import bootstrap
from chalicelib.erasure import StoredCopies


def restated_then_dead(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """湖南 is sent two 大冶 listings; an agreement then restates them while its endpoint is
    down: the subscription, and the restatements' bodies as first attempted."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    mine = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    entries = two_daye_subjects()
    push_and_fan_out(gateway, stream, daye, DAYE, entries)
    queue.run()
    hook.answer(500, "down")
    assert create_agreement(gateway, agreement_terms()).status_code == 201
    assert reevaluate(aws) == 1
    sent = len(hook.requests)
    for _ in range(3):  # failed, then dead
        queue.run()
    bodies = [json.loads(r.body) for r in hook.requests[sent:]]
    assert {b["type"] for b in bodies} == {"recognition.changed"}
    return mine, bodies


def test_a_dead_restatement_is_re_driven_with_its_id_and_body(gateway, aws, stream, queue, hook):  # type: ignore[no-untyped-def]
    mine, failed = restated_then_dead(gateway, aws, stream, queue, hook)
    hook.answer(204)
    attempted = len(hook.requests)

    redriven = as_operator(gateway, "post", subscription_path(mine, "/redrive"), b"{}")
    queue.run()

    assert redriven.status_code == 202, redriven.json_body
    assert redriven.json_body["redriven"] == 2
    again = [json.loads(r.body) for r in hook.requests[attempted:]]
    first = {b["delivery_id"]: b for b in failed}
    assert sorted(b["delivery_id"] for b in again) == sorted(first)
    for body in again:
        assert body == first[body["delivery_id"]]
        assert body["recognition"]["recognised"] is True


def test_a_restatement_of_a_listing_purged_since_is_not_re_driven(  # type: ignore[no-untyped-def]
    gateway, aws, stream, queue, hook
):
    mine, failed = restated_then_dead(gateway, aws, stream, queue, hook)
    purged = failed[0]["data"]["listing"]
    c = bootstrap.container()
    StoredCopies(c.exchange_log, c.feedback, c.persons).erase(purged["listing_id"], "chg_purge")
    hook.answer(204)
    attempted = len(hook.requests)

    redriven = as_operator(gateway, "post", subscription_path(mine, "/redrive"), b"{}")
    queue.run()

    assert redriven.json_body["redriven"] == 1
    [again] = [json.loads(r.body) for r in hook.requests[attempted:]]
    assert again == failed[1]
    assert purged["listing_id"] not in json.dumps(again)


def ended(gateway: Gateway, aws: Any, queue: DeliveryQueue, agreement_id: str) -> None:
    """The agreement ended, re-evaluated, and what that queued attempted."""
    assert end_agreement(gateway, agreement_id).status_code == 200
    reevaluate(aws)
    queue.run()
    queue.run()


def acted_on(
    gateway: Gateway, queue: DeliveryQueue, hook: AnsweringReceiver, path: str
) -> tuple[Any, list[dict[str, Any]]]:
    """The operator's POST to ``path`` (a resume, a re-drive), and the bodies it sent."""
    sent = len(hook.requests)
    reply = as_operator(gateway, "post", path, b"{}")
    queue.run()
    queue.run()
    return reply, [json.loads(r.body) for r in hook.requests[sent:]]


def test_a_resume_sends_only_the_restatements_that_still_hold(gateway, aws, stream, queue, hook):  # type: ignore[no-untyped-def]
    """Review 43 H1: while paused, an agreement restates the listings (recognised), then ends
    (not recognised): both parked. The resume sends the withdrawal, never the recognition it
    superseded after it — a receiver applying them in order would go on punishing."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    mine = subscribe(gateway, hook.url)
    push_and_fan_out(gateway, stream, daye, DAYE, two_daye_subjects())
    queue.run()
    paused = as_operator(gateway, "post", subscription_path(mine, "/pause"), b"{}")
    assert paused.status_code == 200, paused.json_body
    made = create_agreement(gateway, agreement_terms())
    reevaluate(aws)
    queue.run()
    ended(gateway, aws, queue, made.json_body["agreement"]["agreement_id"])
    resumed, got = acted_on(gateway, queue, hook, subscription_path(mine, "/resume"))

    assert resumed.status_code == 200, resumed.json_body
    assert [b["type"] for b in got] == ["recognition.changed"] * 2
    assert {b["recognition"]["recognised"] for b in got} == {False}


def test_a_dead_raised_flag_of_a_re_evaluation_is_not_sent_after_it_was_lowered(  # type: ignore[no-untyped-def]
    gateway, aws, stream, queue, hook
):
    """Review 44 H1: a re-evaluation raises a subject's intensified flag while the endpoint is
    down (dead), the agreement then ends and the lowering is delivered; a re-drive must not
    tell the subscriber the subject is intensified again."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    mine = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕3号",
    )
    push_and_fan_out(gateway, stream, daye, DAYE, [daye_black_entry(), tax])
    queue.run()
    hook.answer(500, "down")
    both = agreement_terms(domains=["court_defaulter", "major_tax_violation"])
    made = create_agreement(gateway, both)
    reevaluate(aws)
    for _ in range(6):
        queue.run()
    hook.answer(204)
    ended(gateway, aws, queue, made.json_body["agreement"]["agreement_id"])
    lowered = [json.loads(r.body) for r in hook.requests if b"subject.intensified" in r.body]
    assert lowered[-1]["intensified"]["intensified"] is False

    redriven, again = acted_on(gateway, queue, hook, subscription_path(mine, "/redrive"))

    assert redriven.status_code == 202, redriven.json_body
    assert not any(b["type"] == "subject.intensified" for b in again)
    assert all(not b["recognition"]["recognised"] for b in again)
