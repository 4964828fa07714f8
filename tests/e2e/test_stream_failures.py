"""A poison stream record on the local stack: isolated, described on the failure queue, the
records behind it delivered, and the operator's re-drive delivering it once the cause is gone.

The poison is a delivery SQS refuses for one listing (400, as for a message over SQS's size
limit), injected where the fault tests inject AWS errors: the stream batch fails after its
changes were logged, so the re-drive meets a half-processed record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from chalicelib.bootstrap import container
from chalicelib.observability import HandlerFailed
from gateway_client.cli import main as cli
from gateway_client.contract.change import Change
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
from infra.stream_failures import MAXIMUM_RETRY_ATTEMPTS

pytestmark = pytest.mark.e2e

CITY, PROVINCE, DOMAIN = "230900", "230000", "food_drug"
POISON_CODE = "AWS.SimpleQueueService.BatchRequestTooLong"


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self) -> Iterator[bytes]:
        yield self._data


class Poison:
    """SQS refuses every message batch that carries a delivery of ``listing_id``."""

    def __init__(self, listing_id: str) -> None:
        self.listing_id, self.refused = listing_id, 0
        self._client = container().aws_clients["sqs"]
        self._client.meta.events.register("before-send.sqs.SendMessageBatch", self._refuse)

    def _refuse(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.listing_id.encode() not in (request.body or b""):
            return None
        self.refused += 1
        body = json.dumps({"__type": POISON_CODE}).encode()
        headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "poison"}
        return AWSResponse(request.url, 400, headers, _Body(body))

    def heal(self) -> None:
        self._client.meta.events.unregister("before-send.sqs.SendMessageBatch", self._refuse)


@pytest.fixture(scope="module")
def operator(stack: LocalStack) -> dict[str, str]:
    return {"authorization": f"Bearer {stack.operator_token}"}


@pytest.fixture(scope="module")
def platform(stack: LocalStack, operator: dict[str, str]) -> PushClient:
    for code, name in ((CITY, "七台河市"), (PROVINCE, "黑龙江省")):
        body = json.dumps({"name": name}).encode()
        http_request("PUT", f"{stack.url}/v1/regions/{code}", body, operator)
    private = load_private_key(generate_signing_key())
    key = json.dumps({"key_id": "qth-poison", "public_key": public_key_text(private)}).encode()
    http_request("POST", f"{stack.url}/v1/regions/{CITY}/keys", key, operator)
    return PushClient(stack.url, CITY, Ed25519Signer("qth-poison", private))


@pytest.fixture(scope="module")
def receiver(stack: LocalStack, operator: dict[str, str]) -> Iterator[Receiver]:
    got = Receiver(DOMAIN).start()
    got.subscribe(stack.url, {"region": PROVINCE, "filters": {"domains": [DOMAIN]}}, operator)
    yield got
    got.stop()


def push(platform: PushClient, numbers: range) -> list[str]:
    now = datetime.now(UTC)
    entries = [
        scenario.entry(
            now.date(),
            now,
            credit_code=scenario.make_uscc(f"91230900MA1PN{n:04d}"),
            subject_name=f"七台河市某食品公司{n}",
            domain=DOMAIN,
            deciding_authority="七台河市市场监督管理局",
            decision_number=f"七市监罚〔2026〕{n}号",
        )
        for n in numbers
    ]
    reply = platform.push(entries, now)
    assert reply.status == 200, reply.body
    assert reply.body["accepted"] == len(entries)
    return [outcome["listing_id"] for outcome in reply.body["outcomes"]]


def pump_through_failures(stack: LocalStack) -> int:
    """Drain as Lambda keeps polling after a function error; return the failed invocations."""
    assert stack.pump is not None
    for failed in range(40):
        try:
            stack.pump.drain(timeout=60)
        except HandlerFailed as error:  # one failed invocation of the poison's batch
            if str(error) != f"ClientError ({POISON_CODE})":
                raise
            continue
        return failed
    raise AssertionError("the stream never got past the poison record")


def failure_queue(stack: LocalStack) -> tuple[int, list[str]]:
    """The metric StreamFailuresAlarm watches, and the messages (looked at, left in place)."""
    sqs = container().aws_clients["sqs"]
    url = stack.env["CG_STREAM_FAILURE_QUEUE_URL"]
    visible = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    peek = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return int(visible), [m["Body"] for m in peek.get("Messages", [])]


def logged_changes(listing_id: str) -> list[str]:
    log = container().exchange_log
    return [
        body.change_id
        for _, body in log.entries(1, log.size())
        if isinstance(body, Change) and body.listing.listing_id == listing_id
    ]


def redrive(
    stack: LocalStack, capsys: pytest.CaptureFixture[str], *discard: str
) -> tuple[int, dict[str, Any]]:
    """``gateway redrive-stream-failures``, and the report it prints."""
    argv = ["redrive-stream-failures", "--url", stack.url, "--token", stack.operator_token]
    for message_id in discard:
        argv += ["--discard", message_id]
    status = cli.main(argv)
    # The report is indented JSON; the in-process app prints one-line metrics around it.
    lines = capsys.readouterr().out.splitlines()
    start, end = lines.index("{"), len(lines) - lines[::-1].index("}")
    return status, json.loads("\n".join(lines[start:end]))


def test_a_poison_record_is_set_aside_reported_and_redriven_once_fixed(
    stack: LocalStack,
    platform: PushClient,
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, *others = push(platform, range(4))
    poison = Poison(first)

    failed = pump_through_failures(stack)

    # Bisected down to the poison record alone, which was tried once and retried 5 times.
    assert failed >= MAXIMUM_RETRY_ATTEMPTS + 1
    visible, messages = failure_queue(stack)
    assert visible == 1  # StreamFailuresAlarm: ApproximateNumberOfMessagesVisible > 0
    [described] = map(json.loads, messages)
    info = described["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["streamArn"] == stack.env["CG_LISTINGS_STREAM_ARN"]
    assert described["requestContext"]["condition"] == "RetryAttemptsExhausted"
    # The records around it, and those pushed after it, went on.
    later = push(platform, range(4, 6))
    pump_through_failures(stack)
    delivered = [r.payload.data.listing.listing_id for r in receiver.received]
    assert sorted(delivered) == sorted(others + later)
    # Half processed: its change was logged before the queue refused its delivery.
    assert len(logged_changes(first)) == 1

    # The cause is still there: the re-drive keeps the message and says so.
    status, report = redrive(stack, capsys)
    assert status == 1
    assert [m["outcome"] for m in report["messages"]] == ["still_failing"]
    assert report["remaining"] == 1
    assert failure_queue(stack)[0] == 1

    poison.heal()
    status, report = redrive(stack, capsys)
    assert status == 0, report
    assert [(m["outcome"], m["records"]) for m in report["messages"]] == [("redriven", 1)]
    assert report["remaining"] == 0
    pump_through_failures(stack)

    delivered = [r.payload.data.listing.listing_id for r in receiver.received]
    assert sorted(delivered) == sorted([first, *others, *later])  # the poison, exactly once
    assert len({r.webhook_id for r in receiver.received}) == len(receiver.received)
    assert len(logged_changes(first)) == 1  # and logged once
    assert failure_queue(stack) == (0, [])
    assert redrive(stack, capsys)[1] == {"messages": [], "kept": 0, "remaining": 0}


def test_a_failure_the_stream_no_longer_holds_is_kept_and_reported_until_discarded(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = container().aws_clients["sqs"]
    url = stack.env["CG_STREAM_FAILURE_QUEUE_URL"]
    streams = boto3.client("dynamodbstreams", endpoint_url=stack.env["CG_AWS_ENDPOINT_URL"])
    arn = stack.env["CG_LISTINGS_STREAM_ARN"]
    [shard, *_] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    # A range the stream no longer holds: moto trims nothing, so it lies past the shard's
    # records (AWS answers TrimmedDataAccessException for one it trimmed; both are "expired").
    gone = int(shard["SequenceNumberRange"]["StartingSequenceNumber"]) + 10**9
    info = {
        "shardId": shard["ShardId"],
        "startSequenceNumber": str(gone),
        "endSequenceNumber": str(gone + 8),
        "approximateArrivalOfFirstRecord": "2026-11-29T01:00:00Z",
        "approximateArrivalOfLastRecord": "2026-11-29T01:00:02Z",
        "batchSize": 9,
        "streamArn": arn,
    }
    expired = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"DDBStreamBatchInfo": info}))
    garbled = sqs.send_message(QueueUrl=url, MessageBody="not a batch description")

    status, report = redrive(stack, capsys)

    assert status == 1
    by_id = {m["message_id"]: m for m in report["messages"]}
    assert by_id[expired["MessageId"]]["outcome"] == "expired"
    assert by_id[expired["MessageId"]]["first_arrival"] == "2026-11-29T01:00:00Z"
    assert by_id[garbled["MessageId"]]["outcome"] == "unreadable"
    assert report["remaining"] == 2
    assert failure_queue(stack)[0] == 2  # both kept, the alarm stays on

    status, report = redrive(stack, capsys, expired["MessageId"], garbled["MessageId"])
    assert status == 0
    assert {m["outcome"] for m in report["messages"]} == {"discarded"}
    assert failure_queue(stack) == (0, [])
