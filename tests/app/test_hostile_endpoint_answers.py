"""An endpoint's answers are the endpoint's to send: a hostile ``Retry-After`` is a failed
attempt retried on the schedule, never a failed delivery invocation holding back other
subscribers' messages; garbage echoed 2xx to the URL challenge (JSON nested deeper than the
parser recurses) is no echo — the subscription stays pending, its v1 secret shown once, never
a 500 after it was written (review 223)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from app_support import HUNAN, Gateway, black_entry
from delivery_support import (
    AnsweringReceiver,
    Reply,
    as_operator,
    push_and_fan_out,
    subscribe,
)
from delivery_support import subscription_path as path_of

HOSTILE = [
    "1 Jan 99999999999 00:00:00 GMT",  # a year past any date: OverflowError
    "9" * 5000,  # digits past Python's int-from-text limit: ValueError
]


@pytest.mark.parametrize("header", HOSTILE, ids=["huge-year", "5000-digits"])
def test_a_hostile_retry_after_is_a_failed_attempt_not_a_failed_invocation(
    gateway: Gateway, stream: Any, hook: Any, queue: Any, header: str
) -> None:
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, hook.url, HUNAN)
    hook.answer(503, "busy", Retry_After=header)
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])

    outcome = queue.run()  # must not raise HandlerFailed

    assert len(hook.requests) == 1
    assert len(outcome["batchItemFailures"]) == 1  # retried later, as any 503
    listed = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body
    [record] = listed["deliveries"]
    assert record["state"] == "retrying"
    assert [a["status"] for a in record["attempts"]] == [503]


NESTED = "[" * 1500  # 1,500 bytes: well inside the 2 KB excerpt the transport reads


@pytest.fixture
def nested_hook() -> Iterator[AnsweringReceiver]:
    server = AnsweringReceiver(reply=Reply(200, NESTED), answers_challenge=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_deeply_nested_2xx_answer_to_the_challenge_leaves_it_pending(
    gateway: Gateway, nested_hook: Any
) -> None:
    assert gateway.put_region(HUNAN).status_code == 200

    created = gateway.subscribe_as_operator(
        region=HUNAN, url=nested_hook.url, signature_scheme="v1"
    )

    assert created.status_code == 201, created.json_body
    assert created.json_body["state"] == "pending"
    assert created.json_body["secret"].startswith("whsec_")


def test_verify_against_a_deeply_nested_answer_is_answered_not_500(
    gateway: Gateway, nested_hook: Any
) -> None:
    assert gateway.put_region(HUNAN).status_code == 200
    nested_hook.reply = Reply(404, "not yet")
    created = gateway.subscribe_as_operator(region=HUNAN, url=nested_hook.url)
    assert created.status_code == 201
    nested_hook.reply = Reply(200, NESTED)

    verified = as_operator(
        gateway, "post", f"/v1/subscriptions/{created.json_body['subscription_id']}/verify"
    )

    assert verified.status_code < 500, verified.json_body
