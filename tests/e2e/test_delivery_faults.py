"""Fault tests on the local stack, on an injected clock: nothing sleeps, hours pass in a step.

The delivery queue's retry waits are fast-forwarded: when the gateway asks SQS to hold a
message back for a delay, the test clock moves on by that delay and the message comes back
at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from chalicelib import bootstrap
from chalicelib.bootstrap import container
from gateway.delivery.judging import DEFAULT_RETRY_SCHEDULE
from gateway.delivery.records import DeliveryState
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.signing import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, http_request
from infra.local import scenario
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

CITY, PROVINCE = "230900", "230000"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        retry_schedule_seconds=tuple(int(d.total_seconds()) for d in DEFAULT_RETRY_SCHEDULE)
    ) as running:
        yield running


@pytest.fixture
def clock(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[FixedClock]:
    """The gateway's clock, moved on by every retry wait instead of sleeping through it."""
    fixed = FixedClock(datetime.now(UTC))
    bootstrap.override_clock(fixed)
    waits: list[timedelta] = []
    queue = container().queue
    original = queue.retry_later

    def fast_forward(receipt: str, delay: timedelta) -> None:
        waits.append(delay)
        fixed.advance(delay)
        original(receipt, timedelta(0))

    monkeypatch.setattr(queue, "retry_later", fast_forward)
    fixed.waits = waits  # type: ignore[attr-defined]
    yield fixed
    bootstrap.override_clock(None)


@pytest.fixture(scope="module")
def platform(stack: LocalStack) -> PushClient:
    operator = {"authorization": f"Bearer {stack.operator_token}"}
    for code, name in ((CITY, "七台河市"), (PROVINCE, "黑龙江省")):
        http_request(
            "PUT", f"{stack.url}/v1/regions/{code}", json.dumps({"name": name}).encode(), operator
        )
    private = load_private_key(generate_signing_key())
    key = {"key_id": "qth-faults", "public_key": public_key_text(private)}
    http_request("POST", f"{stack.url}/v1/regions/{CITY}/keys", json.dumps(key).encode(), operator)
    return PushClient(stack.url, CITY, Ed25519Signer("qth-faults", private))


def receiver_for(
    stack: LocalStack, clock: FixedClock, domain: str, respond: Callable[[], int], **extra: Any
) -> Receiver:
    """A receiver on the gateway's clock, subscribed to one domain only, so the tests in this
    module do not see each other's deliveries."""
    receiver = Receiver(domain, clock=clock, respond=respond, **extra)
    receiver.start()
    receiver.subscribe(
        stack.url,
        {"region": PROVINCE, "filters": {"domains": [domain]}},
        {"authorization": f"Bearer {stack.operator_token}"},
    )
    return receiver


PREFIX = {
    "food_drug": "FD",
    "pricing": "PR",
    "e_commerce": "EC",
    "tourism": "TR",
}  # subjects apart per test


def push(
    platform: PushClient, clock: FixedClock, domain: str, subjects: int, versions: int
) -> None:
    """``versions`` successive versions of one listing for each of ``subjects`` companies."""
    for version in range(versions):
        entries = [
            scenario.entry(
                clock.now().date(),
                clock.now(),
                credit_code=scenario.make_uscc(f"91230900MA1{PREFIX[domain]}{n:04d}"),
                subject_name=f"七台河市某公司{n}",
                domain=domain,
                deciding_authority="七台河市中级人民法院",
                decision_number=f"(2026)黑09执{n}号",
                source_sequence=version,
            )
            for n in range(subjects)
        ]
        reply = platform.push(entries, clock.now())
        assert reply.status == 200, reply.body
        assert reply.body["accepted"] == subjects


def arrived_in_order(receiver: Receiver) -> bool:
    last: dict[str, int] = {}
    for got in receiver.received:
        subject, sequence = got.payload.data.listing.credit_code, got.payload.log_sequence or 0
        if sequence <= last.get(subject, 0):
            return False
        last[subject] = sequence
    return True


def test_a_receiver_down_for_an_hour_gets_every_change_once_and_in_order(
    stack: LocalStack, platform: PushClient, clock: FixedClock
) -> None:
    back_at = clock.now() + timedelta(hours=1)
    receiver = receiver_for(
        stack, clock, "food_drug", lambda: 204 if clock.now() >= back_at else 503
    )

    push(platform, clock, "food_drug", subjects=3, versions=2)
    assert stack.pump is not None
    stack.pump.drain()
    receiver.stop()

    ids = [r.webhook_id for r in receiver.received]
    assert len(ids) == 6
    assert len(set(ids)) == 6
    assert arrived_in_order(receiver)
    assert len(receiver.raw) > 6  # it really was down: every change needed retries
    assert all(container().deliveries.state(i) is DeliveryState.DELIVERED for i in ids)
    assert clock.now() >= back_at


def test_a_receiver_answering_429_with_retry_after_is_given_the_time_it_asked_for(
    stack: LocalStack, platform: PushClient, clock: FixedClock
) -> None:
    answers = iter([429, 500, 204])
    receiver = receiver_for(
        stack, clock, "pricing", lambda: next(answers, 204), refusal_headers={"Retry-After": "600"}
    )

    push(platform, clock, "pricing", subjects=1, versions=1)
    assert stack.pump is not None
    stack.pump.drain()
    receiver.stop()

    waits = clock.waits  # type: ignore[attr-defined]
    assert len(receiver.received) == 1
    assert waits[0] >= timedelta(seconds=600)  # 429 asked for ten minutes, not the schedule's 5 s
    assert waits[1] < timedelta(minutes=6)  # the 500 after it follows the schedule (5 min ± 10 %)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self) -> Iterator[bytes]:
        yield self._data


@dataclass
class Fault:
    count: int
    heal: Callable[[], None]


def inject_failures(service: str, operation: str, times: int, error: str, status: int) -> Fault:
    """The next ``times`` calls of ``operation`` fail as AWS would answer them (botocore sees a
    real error response and applies its retry policy); returns a counter of injected failures."""
    client = container().aws_clients[service]
    event = f"before-send.{service}.{operation}"

    def fail(request: Any, **_: Any) -> AWSResponse | None:
        if fault.count >= times:
            return None
        fault.count += 1
        body = json.dumps({"__type": error, "message": "injected by the fault test"}).encode()
        headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "fault"}
        return AWSResponse(request.url, status, headers, _Body(body))

    fault = Fault(0, lambda: client.meta.events.unregister(event, fail))
    client.meta.events.register(event, fail)
    return fault


def test_throttled_table_writes_during_a_push_are_retried_and_nothing_is_written_twice(
    stack: LocalStack, platform: PushClient, clock: FixedClock
) -> None:
    receiver = receiver_for(stack, clock, "e_commerce", lambda: 204)
    throttled = inject_failures(
        "dynamodb",
        "UpdateItem",
        3,
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        400,
    )
    queue_down = inject_failures("sqs", "SendMessageBatch", 2, "InternalError", 500)

    push(platform, clock, "e_commerce", subjects=2, versions=1)
    assert stack.pump is not None
    stack.pump.drain()
    receiver.stop()

    assert (throttled.count, queue_down.count) == (3, 2)
    assert len(receiver.received) == 2
    assert len({r.webhook_id for r in receiver.received}) == 2


def test_a_queue_outage_during_fan_out_loses_nothing_once_the_queue_is_back(
    stack: LocalStack, platform: PushClient, clock: FixedClock
) -> None:
    receiver = receiver_for(stack, clock, "tourism", lambda: 204)
    outage = inject_failures("sqs", "SendMessageBatch", 100, "InternalError", 500)  # > retries
    push(platform, clock, "tourism", subjects=2, versions=1)
    assert stack.pump is not None

    with pytest.raises(Exception, match="InternalError"):
        stack.pump.drain()  # the stream batch fails, as a Lambda invocation would
    outage.heal()
    stack.pump.drain()  # Lambda's retry of the same stream batch
    receiver.stop()

    assert len(receiver.received) == 2
    assert len({r.webhook_id for r in receiver.received}) == 2
