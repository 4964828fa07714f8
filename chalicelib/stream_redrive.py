"""Re-drive of the listings-stream batches fan-out gave up on (``StreamFailureQueue``).

Lambda's on-failure destination receives a description of the failed batch, not its records:
``DDBStreamBatchInfo`` names the stream, the shard and the sequence range. The re-drive reads
that range back from the stream (kept 24 h; the trigger gives a record up at 6 h, so at least
18 h remain), runs it through the trigger's own ``events.fan_out`` and deletes the message only
then. Fan-out is idempotent, so a batch that was half done when it failed is completed, not
repeated: a change is logged once (per-change markers), a delivery's id derives from the change
and the subscription, the FIFO queue deduplicates on it, and a delivery already settled is
never sent again.

A message whose range is no longer whole in the stream is kept and reported ``expired``, never
deleted: it names no listing, so its changes can only be found from its time window (the pushes
and uploads accepted then) and sent again by their platforms; the operator then discards it by
its message id. A range that still fails is kept too, for the next re-drive.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from botocore.config import Config
from botocore.exceptions import ClientError
from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from chalicelib import caller, events
from chalicelib.aws_clients import aws_client
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.validation import parse_request
from gateway_client.contract import errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("credit_gateway.stream_redrive")
# A message being re-driven stays hidden this long; should the run die, it comes back.
_VISIBILITY_SECONDS = 120
# Stop taking messages after this long: the API function has 29 s (API Gateway's limit).
_TIME_BUDGET_SECONDS = 15.0
# Reads of an open shard may come back empty before reaching the range's end.
_EMPTY_READS = 5
_GONE = {"TrimmedDataAccessException", "ResourceNotFoundException"}

Outcome = Literal["redriven", "still_failing", "expired", "unreadable", "discarded"]


class StreamBatch(BaseModel):
    """``DDBStreamBatchInfo`` as Lambda writes it (the fields the re-drive uses)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    shardId: str
    startSequenceNumber: str = Field(pattern=r"^[0-9]{21,40}$")
    endSequenceNumber: str = Field(pattern=r"^[0-9]{21,40}$")
    approximateArrivalOfFirstRecord: str | None = None
    approximateArrivalOfLastRecord: str | None = None
    streamArn: str


class _FailureMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    DDBStreamBatchInfo: StreamBatch


class RedriveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_messages: int = Field(default=10, ge=1, le=100)
    discard: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )


class MessageReport(BaseModel):
    message_id: str
    outcome: Outcome = Field(
        description="`redriven` (fanned out, deleted), `still_failing` (fan-out raised again: "
        "kept), `expired` (the range is no longer whole in the stream: kept, see README), "
        "`unreadable` (not a stream batch description: kept), `discarded` (named in `discard`: "
        "deleted)"
    )
    shard_id: str | None = None
    start_sequence_number: str | None = None
    end_sequence_number: str | None = None
    first_arrival: str | None = None
    last_arrival: str | None = None
    records: int = 0
    error: str | None = None  # the exception's type only: its text may quote listing content


class RedriveReport(BaseModel):
    redriven: int = Field(description="failure messages whose records were fanned out again")
    messages: list[MessageReport]
    remaining: int = Field(description="failure messages left on the queue (kept ones included)")


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CG_", frozen=True)
    stream_failure_queue_url: str  # the stack sets it from StreamFailureQueue's Metadata


def lambda_record(record: Any, stream_arn: str, region: str) -> dict[str, Any]:
    """A ``GetRecords`` record in the shape Lambda hands the stream trigger."""
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        body["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }


def read_range(streams: DynamoDBStreamsClient, batch: StreamBatch) -> list[Any] | None:
    """The batch's records, from its first sequence number to its last; ``None`` unless the
    stream still holds the whole range."""
    try:
        iterator: str | None = streams.get_shard_iterator(
            StreamArn=batch.streamArn,
            ShardId=batch.shardId,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch.startSequenceNumber,
        )["ShardIterator"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _GONE:
            return None
        raise
    end, empty = int(batch.endSequenceNumber), 0
    records: list[Any] = []
    while iterator and empty < _EMPTY_READS:
        reply = streams.get_records(ShardIterator=iterator, Limit=1000)
        got = reply.get("Records", [])
        empty = 0 if got else empty + 1
        for record in got:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return _whole(records, batch)
            records.append(record)
        iterator = reply.get("NextShardIterator")
    return _whole(records, batch)


def _whole(records: list[Any], batch: StreamBatch) -> list[Any] | None:
    sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
    ends = (batch.startSequenceNumber, batch.endSequenceNumber)
    return records if sequence and (sequence[0], sequence[-1]) == ends else None


def redrive(wanted: RedriveRequest) -> RedriveReport:
    """Take up to ``max_messages`` failure messages, fan each range out again, delete the ones
    done (and those named in ``discard``); the rest go back to the queue, visible."""
    c = container()
    sqs: SQSClient = c.aws_clients["sqs"]
    url = _Settings().stream_failure_queue_url
    streams: DynamoDBStreamsClient = aws_client(
        "dynamodbstreams", c.settings.aws_region, c.settings.aws_endpoint_url, Config()
    )
    discard = set(wanted.discard)
    reports: list[MessageReport] = []
    kept: list[str] = []
    deadline = time.monotonic() + _TIME_BUDGET_SECONDS
    seen: set[str] = set()
    while len(reports) < wanted.max_messages and time.monotonic() < deadline:
        reply = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, wanted.max_messages - len(reports)),
            VisibilityTimeout=_VISIBILITY_SECONDS,
            WaitTimeSeconds=0,
        )
        fresh = [m for m in reply.get("Messages", []) if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            report = _redrive_one(
                streams, c.settings.aws_region, discard, message["MessageId"], message["Body"]
            )
            reports.append(report)
            log.warning("stream failure %s: %s", report.message_id, report.outcome)
            if report.outcome in ("redriven", "discarded"):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                kept.append(message["ReceiptHandle"])
    for receipt in kept:  # back in sight: the alarm stays on, the next re-drive sees them
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=receipt, VisibilityTimeout=0)
    remaining = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return RedriveReport(
        redriven=sum(r.outcome == "redriven" for r in reports),
        messages=reports,
        remaining=int(remaining["ApproximateNumberOfMessages"])
        + int(remaining["ApproximateNumberOfMessagesNotVisible"]),
    )


def _redrive_one(
    streams: DynamoDBStreamsClient, region: str, discard: set[str], message_id: str, body: str
) -> MessageReport:
    try:
        batch = _FailureMessage.model_validate_json(body).DDBStreamBatchInfo
    except ValidationError:
        outcome: Outcome = "discarded" if message_id in discard else "unreadable"
        return MessageReport(message_id=message_id, outcome=outcome)
    report = MessageReport(
        message_id=message_id,
        outcome="discarded",
        shard_id=batch.shardId,
        start_sequence_number=batch.startSequenceNumber,
        end_sequence_number=batch.endSequenceNumber,
        first_arrival=batch.approximateArrivalOfFirstRecord,
        last_arrival=batch.approximateArrivalOfLastRecord,
    )
    if message_id in discard:
        return report
    records: list[Any] = []
    try:
        found = read_range(streams, batch)
        if found is None:
            return report.model_copy(update={"outcome": "expired"})
        records = found
        events.fan_out([lambda_record(r, batch.streamArn, region) for r in records])
    except Exception as error:  # the cause is still there: keep the message
        update = {
            "outcome": "still_failing",
            "records": len(records),
            "error": type(error).__name__,
        }
        return report.model_copy(update=update)
    return report.model_copy(update={"outcome": "redriven", "records": len(records)})


def redrive_route(request: Request) -> Response:
    """``POST /v1/stream-failures/redrive``: the operator's, once the cause is fixed."""
    caller.require_operator(request)
    wanted = parse_request(RedriveRequest, caller.body(request) or b"{}")
    errors.DuplicateValue.check(wanted.discard, "discard")  # a set, as elsewhere (review 177)
    return json_response(200, redrive(wanted).model_dump(mode="json"))


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/stream-failures/redrive",
        "redrive_stream_failures",
        Tag.META,
        "Fan out again the listings-stream batches fan-out gave up on (StreamFailureQueue)",
        Access.OPERATOR,
        {200: Reply(RedriveReport, "What became of each failure message taken.")},
        (errors.BadRequest, errors.DuplicateValue),
        body=RedriveRequest,
        body_required=False,
        description="Reads each failed batch's sequence range back from the stream, fans it "
        "out as the trigger would (idempotent: nothing is logged or delivered twice) and "
        "deletes the message; a range still failing, or no longer whole in the stream, is "
        "kept and reported. `discard` deletes the named messages unread.",
        handler=redrive_route,
    ),
)
