"""A delivery that read its subscription paused, and is recorded parked after the owner resumed
it, is sent: the resume's one sweep of what is parked ran before the record existed. The
delivery sweeps again, naming itself (a batch its lines), so what it re-drives is queued in log
order behind what the resume queued — never ahead of an older change of the subject — and
nothing is counted as a failed attempt (reviews 109 F2, 112 F1–F3).

The interleaving is staged on the classes, not on a container, so every AWS call stays held to
the delivery function's role (``role_support``): it re-drives from the log and queues."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from app_support import HUNAN, Gateway, black_entry
from botocore.exceptions import ClientError
from delivery_support import as_operator, push_and_fan_out, subscribe
from delivery_support import subscription_path as path_of

from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from chalicelib.sqs_queue import QueueSendFailed, SqsDeliveryQueue
from gateway.delivery import redriving, sending

CORRECTED = {
    "source_updated_at": "2026-03-09T09:00:00+08:00",
    "reason": "有履行能力而拒不履行（更正）",
}


@pytest.fixture
def resumed_meanwhile(
    gateway: Gateway, queue: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    """Run the queue's deliveries, resuming the subscription while the ``nth`` one held back
    (a batch's lines count as one) is about to be recorded; the resume's reply."""
    real_record, real_settle = DynamoDeliveryLog.record, sending.settle

    def run(created: dict[str, Any], nth: int) -> dict[str, Any]:
        held, reply = [0], {}

        def resume_first() -> None:
            held[0] += 1
            if held[0] == nth:
                reply.update(as_operator(gateway, "post", path_of(created, "/resume")).json_body)

        def record(self: Any, delivery: Any, attempt: Any, state: Any, logs: Any = ()) -> None:
            if attempt.not_sent == "paused" and not hasattr(delivery, "count"):
                resume_first()
            real_record(self, delivery, attempt, state, logs)

        def settle(log: Any, files: Any, batch: Any, attempt: Any, *rest: Any) -> None:
            if attempt.not_sent == "paused":
                resume_first()
            real_settle(log, files, batch, attempt, *rest)

        monkeypatch.setattr(DynamoDeliveryLog, "record", record)
        monkeypatch.setattr(sending, "settle", settle)
        queue.run()
        monkeypatch.setattr(DynamoDeliveryLog, "record", real_record)
        monkeypatch.setattr(sending, "settle", real_settle)
        for _ in range(3):
            queue.run()
        return reply

    return run


def paused_with(
    gateway: Gateway, stream: Any, hook: Any, *pushes: list[dict[str, Any]], **subscription: Any
) -> dict[str, Any]:
    """A subscription of 湖南, paused, and what 湖南's platform pushed meanwhile (each list one
    push, fanned out): its deliveries wait in the queue."""
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, hook.url, HUNAN, **subscription)
    as_operator(gateway, "post", path_of(created, "/pause"))
    for entries in pushes:
        push_and_fan_out(gateway, stream, province, HUNAN, entries)
    return created


def throttle_redrive_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The next re-drive's queue send throttled (once); the suffixes refused."""
    real_enqueue, refused = SqsDeliveryQueue.enqueue, []

    def throttled_once(self: Any, deliveries: Any, suffix: str = "", *rest: Any) -> None:
        if suffix.startswith(":redrive:") and not refused:
            refused.append(suffix)
            raise QueueSendFailed("1 deliveries could not be queued")
        real_enqueue(self, deliveries, suffix, *rest)

    monkeypatch.setattr(SqsDeliveryQueue, "enqueue", throttled_once)
    return refused


def resumed_then_reread_fails(
    gateway: Gateway, queue: Any, created: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """Run the queued message: the subscription is resumed while the delivery (or batch) is
    recorded held back, and its re-read of the subscription is throttled, so the invocation
    fails; the event, to receive the same message again."""
    event = queue.event()
    assert len(event["Records"]) == 1
    real_record, real_settle, real_get = (
        DynamoDeliveryLog.record,
        sending.settle,
        DynamoSubscriptions.get,
    )
    resumed, armed, failed = [False], [False], []

    def recorded(real: Any, attempt: Any, *args: Any) -> None:
        if attempt.not_sent == "paused" and not resumed[0]:  # a batch's lines: once
            resumed[0] = True
            as_operator(gateway, "post", path_of(created, "/resume"))
        real(*args)
        armed[0] = armed[0] or attempt.not_sent == "paused"

    def get(self: Any, subscription_id: str) -> Any:
        if armed[0] and not failed:
            failed.append(subscription_id)
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}},
                "GetItem",
            )
        return real_get(self, subscription_id)

    monkeypatch.setattr(
        DynamoDeliveryLog,
        "record",
        lambda self, d, attempt, state: recorded(real_record, attempt, self, d, attempt, state),
    )
    monkeypatch.setattr(
        sending,
        "settle",
        lambda log, files, batch, attempt, *rest: recorded(
            real_settle, attempt, log, files, batch, attempt, *rest
        ),
    )
    monkeypatch.setattr(DynamoSubscriptions, "get", get)
    # its group fails: SQS hands the message back
    assert queue.run(event)["batchItemFailures"]
    assert failed
    monkeypatch.setattr(DynamoDeliveryLog, "record", real_record)
    monkeypatch.setattr(sending, "settle", real_settle)
    monkeypatch.setattr(DynamoSubscriptions, "get", real_get)
    return event


def _versions(hook: Any) -> list[str]:
    return [json.loads(r.body)["data"]["listing"]["version"] for r in hook.requests]


def test_a_delivery_held_while_resumed_is_sent_once(
    gateway: Gateway, stream: Any, hook: Any, resumed_meanwhile: Any
) -> None:
    created = paused_with(gateway, stream, hook, [black_entry()])

    assert resumed_meanwhile(created, 1)["redriven"] == 0  # nothing was parked yet

    assert len(hook.requests) == 1
    [record] = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body["deliveries"]
    assert record["state"] == "delivered"
    activity = as_operator(gateway, "get", "/v1/activity?hours=24").json_body
    counted = [hour["deliveries"] for hour in activity["hours"]]
    assert sum(c["retrying"] + c["dead"] for c in counted) == 0
    assert sum(c["delivered"] for c in counted) == 1


def test_a_later_change_held_while_resumed_arrives_after_the_earlier_one(
    gateway: Gateway, stream: Any, hook: Any, resumed_meanwhile: Any
) -> None:
    created = paused_with(gateway, stream, hook, [black_entry()], [black_entry(**CORRECTED)])

    assert resumed_meanwhile(created, 2)["redriven"] == 1  # the first change, parked already

    versions = _versions(hook)
    assert len(versions) == 2
    assert versions == sorted(versions)


def test_a_batch_held_while_resumed_is_sent_without_another_resume(
    gateway: Gateway, stream: Any, hook: Any, resumed_meanwhile: Any
) -> None:
    second = black_entry(decision_number="(2024)黑09执124号")
    created = paused_with(gateway, stream, hook, [black_entry(), second], delivery_mode="batched")

    resumed_meanwhile(created, 1)

    deliveries = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body
    assert sorted(d["state"] for d in deliveries["deliveries"]) == ["delivered", "delivered"]
    assert len(hook.requests) == 2  # the batch's lines, re-driven one by one as resume does


def test_a_held_delivery_whose_sweep_failed_is_a_dead_letter_the_operator_re_drives(
    gateway: Gateway,
    stream: Any,
    hook: Any,
    queue: Any,
    resumed_meanwhile: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The delivery's own sweep queues again; should that fail (a throttled send) or run out of
    time, what it held back may still be dead on a live endpoint: a dead letter the alarm shows,
    never dropped unseen (review 114 F1), nor retried at once ahead of an older change of its
    subject (review 117 F1). The operator's re-drive sends it."""
    created = paused_with(gateway, stream, hook, [black_entry()])
    refused = throttle_redrive_once(monkeypatch)

    resumed_meanwhile(created, 1)

    assert refused
    assert hook.requests == []
    assert [d.subscription_id for d in queue.dead_letters()] == [created["subscription_id"]]
    [record] = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body["deliveries"]
    assert record["state"] == "dead"
    assert as_operator(gateway, "post", path_of(created, "/redrive")).json_body["redriven"] == 1
    queue.run()
    assert len(hook.requests) == 1


def test_a_held_batch_whose_sweep_ran_out_of_time_is_a_dead_letter_not_left_unseen(
    gateway: Gateway,
    stream: Any,
    hook: Any,
    queue: Any,
    resumed_meanwhile: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its sweep came to its first line only (review 117 F2): the rest may be dead on a live
    endpoint, so the batch is a dead letter the alarm shows; the operator's re-drive sends them."""
    monkeypatch.setattr(redriving, "REDRIVE_CHUNK", 1)
    monkeypatch.setattr(redriving, "RELEASED_SECONDS", timedelta(0))
    second = black_entry(decision_number="(2024)黑09执124号")
    created = paused_with(gateway, stream, hook, [black_entry(), second], delivery_mode="batched")

    resumed_meanwhile(created, 1)

    assert [d.subscription_id for d in queue.dead_letters()] == [created["subscription_id"]]
    listed = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body["deliveries"]
    assert sorted(d["state"] for d in listed) == ["dead", "delivered"]
    assert as_operator(gateway, "post", path_of(created, "/redrive")).json_body["redriven"] == 1
    queue.run()
    assert len(hook.requests) == 2


def test_a_held_delivery_whose_re_read_failed_is_swept_when_its_message_comes_again(
    gateway: Gateway, stream: Any, hook: Any, queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded held back, then its re-read of the subscription throttled: the invocation fails
    and the message comes again, its record dead — swept then, not dropped as settled (review
    118 F1; so is one whose invocation died before its sweep)."""
    created = paused_with(gateway, stream, hook, [black_entry()])
    event = resumed_then_reread_fails(gateway, queue, created, monkeypatch)

    queue.run(event)  # the same message received again
    for _ in range(3):
        queue.run()

    assert len(hook.requests) == 1
    assert queue.dead_letters() == []
