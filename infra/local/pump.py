"""The local event pump: what Lambda's event source mappings do on AWS, done by polling.

It reads the listings table's stream and the delivery queue, builds events of the exact shape
Lambda would deliver, and calls the app's own decorated handlers with them.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("credit_gateway.pump")
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The few context attributes handlers (and Chalice) look at; time runs out as on Lambda."""

    function_name: str
    timeout_ms: int = 60_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.timeout_ms - int((time.monotonic() - self.started) * 1000))


@dataclass(frozen=True)
class QueueSource:
    """One SQS event source mapping: the queue, its handler, its batch size and timeout."""

    name: str
    url: str
    handler: Handler
    batch_size: int = 10
    timeout_ms: int = 60_000


class EventPump:
    def __init__(
        self,
        streams: DynamoDBStreamsClient,
        sqs: SQSClient,
        stream_arn: str,
        on_stream: Handler,
        queues: list[QueueSource],
    ) -> None:
        self._streams = streams
        self._sqs = sqs
        self._stream_arn = stream_arn
        self._on_stream = on_stream
        self._queues = queues
        self._arns = {
            q.url: sqs.get_queue_attributes(QueueUrl=q.url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            for q in queues
        }
        self._iterators: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def poll_stream(self) -> int:
        """Hand every new stream record to the fan-out handler; return how many there were."""
        shards = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]
        for shard in shards.get("Shards", []):
            self._iterators.setdefault(
                shard["ShardId"],
                self._streams.get_shard_iterator(
                    StreamArn=self._stream_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType="TRIM_HORIZON",
                )["ShardIterator"],
            )
        handled = 0
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            reply = self._streams.get_records(ShardIterator=iterator, Limit=100)
            records = reply.get("Records", [])
            if records:
                # Raises like Lambda would; the iterator only advances after success.
                self._on_stream(
                    {"Records": [self._stream_record(r) for r in records]},
                    LambdaContext("credit-gateway-fan_out"),
                )
                handled += len(records)
            self._iterators[shard_id] = reply.get("NextShardIterator")
        return handled

    def _stream_record(self, record: Any) -> dict[str, Any]:
        body = dict(record["dynamodb"])
        created = body.get("ApproximateCreationDateTime")
        if created is not None and not isinstance(created, int | float):
            body["ApproximateCreationDateTime"] = created.timestamp()
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion", self._sqs.meta.region_name),
            "dynamodb": body,
            "eventSourceARN": self._stream_arn,
        }

    def poll_queue(self, source: QueueSource) -> int:
        """Receive one batch, run the handler, delete what it did not fail."""
        reply = self._sqs.receive_message(
            QueueUrl=source.url,
            MaxNumberOfMessages=source.batch_size,
            AttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        messages = reply.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._sqs_record(m, source.url) for m in messages]}
        context = LambdaContext(f"credit-gateway-{source.name}", source.timeout_ms)
        result = source.handler(event, context)
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=source.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        return len(messages)

    def _sqs_record(self, message: Any, url: str) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arns[url],
            "awsRegion": self._sqs.meta.region_name,
        }

    def pending_in_queue(self) -> int:
        pending = 0
        for source in self._queues:
            attrs = self._sqs.get_queue_attributes(
                QueueUrl=source.url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            pending += int(attrs["ApproximateNumberOfMessages"]) + int(
                attrs["ApproximateNumberOfMessagesNotVisible"]
            )
        return pending

    def step(self) -> int:
        with self._lock:
            return self.poll_stream() + sum(self.poll_queue(q) for q in self._queues)

    def drain(self, timeout: float = 180.0, interval: float = 0.05) -> None:
        """Pump until the stream is read and the queue is empty (retries waiting included)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.step() == 0 and self.pending_in_queue() == 0 and self.step() == 0:
                return
            time.sleep(interval)
        raise TimeoutError(f"events still pending after {timeout} s")

    def run(self, stop: threading.Event, interval: float = 0.2) -> None:
        """Pump in the background (``gateway dev``) until ``stop`` is set."""
        while not stop.is_set():
            try:
                busy = self.step()
            except Exception:  # Lambda would retry the batch too; keep pumping
                log.exception("a handler failed; its batch will be retried")
                busy = 0
            if not busy:
                stop.wait(interval)
