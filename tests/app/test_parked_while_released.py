"""A delivery that read its subscription paused, and is recorded parked after the owner resumed
it, is sent: the resume's one sweep of what is parked ran before the record existed (review 109
F2)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from app_support import HUNAN, Gateway, black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe
from delivery_support import subscription_path as path_of

from chalicelib import bootstrap


@pytest.mark.roles_unchecked("it pauses the delivery function's container mid-attempt")
def test_a_delivery_parked_while_resume_runs_is_sent(
    gateway: Gateway, stream: Any, queue: Any, hook: Any
) -> None:
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, hook.url, HUNAN)
    assert as_operator(gateway, "post", path_of(created, "/pause")).status_code == 200
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])

    log = bootstrap.container().delivery_service._log
    real_record = log.record
    read_paused, resumed = threading.Event(), threading.Event()

    def record_after_resume(delivery: Any, attempt: Any, state: Any) -> None:
        if attempt.not_sent == "paused" and not resumed.is_set():
            read_paused.set()  # the subscription was read paused; nothing written yet
            assert resumed.wait(10)
        real_record(delivery, attempt, state)

    log.record = record_after_resume  # type: ignore[method-assign]
    delivering = threading.Thread(target=queue.run, args=(queue.event(),))
    delivering.start()
    assert read_paused.wait(10)
    reply = as_operator(gateway, "post", path_of(created, "/resume"))
    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["redriven"] == 0  # nothing was parked yet
    resumed.set()
    delivering.join(10)
    log.record = real_record  # type: ignore[method-assign]

    for _ in range(3):
        queue.run()
    assert len(hook.requests) == 1
    [record] = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body["deliveries"]
    assert record["state"] == "delivered"
