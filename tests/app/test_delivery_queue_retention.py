"""A change waiting in its subject's FIFO group behind a failing one ages in the queue from when
it was queued, and SQS drops it at the queue's retention (14 days) whatever its record says. A
retry schedule may keep one delivery failing for 9 days (20 x 11 h), and an endpoint that keeps
taking other subjects' deliveries is never disabled: the subject's next change was then neither
delivered nor dead-lettered (review 170). A retry that would fall after its message's
retention is judged dead instead: recorded, dead-lettered and re-drivable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from app_support import CREDIT_CODE, HUNAN, OTHER_CREDIT_CODE, Gateway, black_entry
from delivery_support import Reply, as_operator, push_and_fan_out, subscribe
from delivery_support import subscription_path as path_of
from moto.sqs.exceptions import ReceiptHandleIsInvalid
from moto.sqs.models import SQSBackend


def _as_aws(
    self: SQSBackend, queue_name: str, receipt_handle: str, visibility_timeout: int
) -> None:
    """ChangeMessageVisibility as SQS does it: the 12 h cap counts from the message's latest
    receive (moto counts it from when the message was sent, so no message older than 12 h could
    ever be retried later); the gateway keeps each change under 11 h 45 min."""
    queue = self.get_queue(queue_name)
    for message in queue._messages:
        if message.had_receipt_handle(receipt_handle):
            message.change_visibility(visibility_timeout)
            if message.visible and message in queue.pending_messages:
                queue.pending_messages.remove(message)
            return
    raise ReceiptHandleIsInvalid


@pytest.fixture(autouse=True)
def _visibility_as_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SQSBackend, "change_message_visibility", _as_aws)


def _run(
    gateway: Gateway,
    stream: Any,
    hook: Any,
    queue: Any,
    refused: Reply,
    changes: int,
    days: int,
    **subscription: Any,
) -> tuple[int, int, int]:
    """The subject CREDIT_CODE's ``changes`` pushed at once, every attempt at them answered
    ``refused`` (say, a field the receiver cannot store), another subject's change delivered
    every day (the endpoint is healthy: never disabled); the queue run every 11 h for ``days``.
    (delivered, dead-lettered, pushed) of the subject's changes."""
    province = gateway.register_platform(HUNAN)
    hook.reply = lambda got: refused if CREDIT_CODE.encode() in got.body else Reply(204)
    traveller = time_machine.travel(datetime.now(UTC), tick=True)
    clock = traveller.start()
    try:
        created = subscribe(gateway, hook.url, HUNAN, **subscription)
        for n in range(changes):
            entry = black_entry(decision_number=f"(2024)黑09执9{n}号")
            push_and_fan_out(gateway, stream, province, HUNAN, [entry])
        queue.run()
        for step in range(days * 24 // 11 + 1):
            clock.shift(timedelta(hours=11, minutes=1))
            if step % 2 == 0:
                other = black_entry(
                    credit_code=OTHER_CREDIT_CODE,
                    subject_name="长沙某某科技有限公司",
                    decision_number=f"(2024)湘01执{step}号",
                )
                push_and_fan_out(gateway, stream, province, HUNAN, [other])
            queue.run()
        tried = {r.headers["webhook-id"] for r in hook.requests if CREDIT_CODE.encode() in r.body}
        listed = as_operator(gateway, "get", path_of(created, "/deliveries?limit=500")).json_body
        states = {d["delivery_id"]: d["state"] for d in listed["deliveries"]}
    finally:
        traveller.stop()
    # the receiver refused every one of them: none delivered; dead, each recorded dead (its
    # dead letter, 14 days on the dead-letter queue, may have expired by now)
    dead = [i for i in tried if states.get(i) == "dead"]
    return 0, len(dead), changes


def test_a_subjects_second_change_behind_a_long_failing_one_is_delivered_or_dead(
    gateway: Gateway, stream: Any, hook: Any, queue: Any
) -> None:
    """A schedule of 20 x 11 h (allowed): the first change dies after 9 days; the second,
    queued with it, is attempted from day 9 and expires on day 14, its record "retrying"."""
    delivered, dead, pushed = _run(
        gateway, stream, hook, queue, Reply(500), 2, 19, retry_schedule_seconds=[39600] * 20
    )
    assert delivered + dead == pushed, (
        f"{pushed} changes, {dead} recorded dead, none delivered: the rest lost"
    )


def test_a_subjects_fifth_change_behind_endpoints_retry_after_is_delivered_or_dead(
    gateway: Gateway, stream: Any, hook: Any, queue: Any
) -> None:
    """The default schedule, the endpoint answering 503 with Retry-After: 39600 (honoured up to
    11 h): each change holds its subject's group for 77 h; the fifth is still retrying on day
    14, when its message expires."""
    busy = Reply(503, headers={"Retry-After": "39600"})
    delivered, dead, pushed = _run(gateway, stream, hook, queue, busy, 5, 18)
    assert delivered + dead == pushed, (
        f"{pushed} changes, {dead} recorded dead, none delivered: the rest lost"
    )
