"""The local event pump: what Lambda's event source mappings do on AWS, done by polling.

It reads the listings table's stream and the delivery queue, builds events of the exact shape
Lambda would deliver, and calls the app's own decorated handlers with them. A stream batch the
handler fails is handled as the deployed trigger is configured (``infra/stream_failures.py``):
split in halves until the failing record stands alone (splits use no retries), that record
retried ``MAXIMUM_RETRY_ATTEMPTS`` times, then described on the on-failure queue as Lambda
describes it (``DDBStreamBatchInfo``) while the records behind it go on. Every failed
invocation still raises out of ``step``, as a function error shows on Lambda. (Records here are
never older than ``MAXIMUM_RECORD_AGE_SECONDS``, so the age limit is not emulated.)
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.settings import STREAM_BATCH_SIZE
from chalicelib.stream_redrive import lambda_record
from infra.local.failure_message import on_failure_message
from infra.stream_failures import MAXIMUM_RETRY_ATTEMPTS

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
        *,
        on_failure_url: str,
        wake: threading.Event | None = None,
    ) -> None:
        self._streams = streams
        self._sqs = sqs
        self._stream_arn = stream_arn
        self._on_stream = on_stream
        self._queues = queues
        self._on_failure_url = on_failure_url
        self._arns = {
            q.url: sqs.get_queue_attributes(QueueUrl=q.url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            for q in queues
        }
        self._iterators: dict[str, str | None] = {}
        # Per shard: the records read but not yet handled, as the sub-batches still to invoke
        # (a failed batch becomes its two halves), and the failures of the first one.
        self._pending: dict[str, list[list[Any]]] = {}
        self._failures: dict[str, int] = {}
        self._full: dict[str, bool] = {}  # per shard: its last read filled a batch
        self._lock = threading.Lock()
        self.last_error: str | None = None  # the last handler failure, for a drain's timeout
        # Set when listings may have been written (the local stack sets it after each write to
        # the listings table and each write request): the background pump reads the stream.
        self.wake = wake or threading.Event()

    def poll_stream(self, discover: bool = True) -> int:
        """Hand the next batch of each shard to the fan-out handler; return how many records
        it handled. A failing batch raises, after being split or, alone, counted against its
        retries and at last sent to the on-failure queue. ``discover=False`` reads only the
        shards already known (no ``DescribeStream``: a woken pump's round trip saved)."""
        shards: Any = {}
        if discover or not self._iterators:
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
            batches = self._pending.setdefault(shard_id, [])
            if not batches and iterator is not None:
                reply = self._streams.get_records(ShardIterator=iterator, Limit=STREAM_BATCH_SIZE)
                self._iterators[shard_id] = reply.get("NextShardIterator")
                if reply.get("Records"):
                    batches.append(list(reply["Records"]))
                self._full[shard_id] = len(reply.get("Records", [])) == STREAM_BATCH_SIZE
            if batches:
                handled += self._invoke(shard_id, batches)
        return handled

    def _invoke(self, shard_id: str, batches: list[list[Any]]) -> int:
        batch = batches[0]
        region = self._sqs.meta.region_name
        try:
            self._on_stream(
                {"Records": [lambda_record(r, self._stream_arn, region) for r in batch]},
                LambdaContext("credit-gateway-fan_out"),
            )
        except Exception:
            self._failed(shard_id, batches)
            raise
        batches.pop(0)
        self._failures[shard_id] = 0
        return len(batch)

    def _failed(self, shard_id: str, batches: list[list[Any]]) -> None:
        batch = batches[0]
        if len(batch) > 1:  # BisectBatchOnFunctionError: halves, no retry used
            batches[0:1] = [batch[: len(batch) // 2], batch[len(batch) // 2 :]]
            self._failures[shard_id] = 0
            return
        failures = self._failures.get(shard_id, 0) + 1
        self._failures[shard_id] = failures
        if failures > MAXIMUM_RETRY_ATTEMPTS:  # the first try and every retry failed
            self._send_failure(shard_id, batch, failures)
            batches.pop(0)
            self._failures[shard_id] = 0

    def _send_failure(self, shard_id: str, batch: list[Any], invocations: int) -> None:
        region = self._sqs.meta.region_name
        body = on_failure_message(shard_id, batch, invocations, self._stream_arn, region)
        self._sqs.send_message(QueueUrl=self._on_failure_url, MessageBody=json.dumps(body))
        log.error("a stream batch failed %d times: described on the failure queue", invocations)

    def poll_queue(self, source: QueueSource, wait_seconds: int = 0) -> int:
        """Receive one batch (waiting up to ``wait_seconds`` for one: SQS long polling), run the
        handler, delete what it did not fail."""
        reply = self._sqs.receive_message(
            QueueUrl=source.url,
            MaxNumberOfMessages=source.batch_size,
            AttributeNames=["All"],
            WaitTimeSeconds=wait_seconds,
        )
        messages = reply.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._sqs_record(m, source.url) for m in messages]}
        context = LambdaContext(f"credit-gateway-{source.name}", source.timeout_ms)
        try:
            result = source.handler(event, context)
        except Exception as error:
            # On AWS the batch returns after the queue's visibility timeout (two minutes for
            # deliveries); here after a second, so a transient failure does not stall a drain.
            # It still raises out of ``step`` (and is named if a drain times out).
            self.last_error = f"{source.name}: {error!r}"
            self._sqs.change_message_visibility_batch(
                QueueUrl=source.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 1}
                    for i, m in enumerate(messages)
                ],
            )
            raise
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
        return sum(visible + hidden for visible, hidden in self.pending_by_queue().values())

    def pending_by_queue(self) -> dict[str, tuple[int, int]]:
        """Per queue: messages waiting, and messages in flight or delayed (not visible)."""
        pending: dict[str, tuple[int, int]] = {}
        for source in self._queues:
            attrs = self._sqs.get_queue_attributes(
                QueueUrl=source.url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            pending[source.name] = (
                int(attrs["ApproximateNumberOfMessages"]),
                int(attrs["ApproximateNumberOfMessagesNotVisible"]),
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
        failed = f"; last handler failure: {self.last_error}" if self.last_error else ""
        with self._lock:
            read = self.poll_stream()
        raise TimeoutError(
            f"events still pending after {timeout} s (queues, waiting and in flight: "
            f"{self.pending_by_queue()}; stream records read now: {read}{failed})"
        )

    def run(self, stop: threading.Event, fallback: float = 0.5, wait_seconds: int = 1) -> None:
        """Pump in the background (``gateway dev``, e2e tests, the bench) until ``stop`` is set.

        Each queue has a poller of its own that long-polls it, as Lambda's do: a delivery is
        received the moment it is sent. Streams have no long poll: the stream is read when
        ``wake`` is set (after a write request, a queue batch) and every ``fallback`` seconds
        (writes nobody announced). Sleeping between rounds instead cost each push ~0.1 s.
        After a batch the stream is read again at once only while there is more to read (a
        full batch, or halves of a failed one): a write since the read has set ``wake``
        anyway, and a read more would only compete with the delivery the batch just queued.
        """
        pollers = [
            threading.Thread(target=self._pump_queue, args=(q, stop, wait_seconds), daemon=True)
            for q in self._queues
        ]
        for poller in pollers:
            poller.start()
        woken = False
        while not stop.is_set():
            self.wake.clear()  # before reading: a write during the read wakes the next round
            read = self._guarded(functools.partial(self._poll_stream_locked, not woken))
            if not read or not self._more_to_read():
                woken = self.wake.wait(fallback)
        for poller in pollers:
            poller.join()

    def _more_to_read(self) -> bool:
        with self._lock:
            return any(self._pending.values()) or any(self._full.values())

    def _poll_stream_locked(self, discover: bool) -> int:
        with self._lock:  # a drain may read the same shards
            return self.poll_stream(discover)

    def _pump_queue(self, source: QueueSource, stop: threading.Event, wait_seconds: int) -> None:
        while not stop.is_set():
            handled = self._guarded(lambda: self.poll_queue(source, wait_seconds))
            if handled:
                self.wake.set()  # an ingested upload wrote listings
            elif handled is None:
                stop.wait(wait_seconds)  # a failure does not return at once (moto down?)

    @staticmethod
    def _guarded(poll: Callable[[], int]) -> int | None:
        """A poll's count, or None when it failed (retried as on Lambda: the stream batch at
        the next read, the messages once visible again)."""
        try:
            return poll()
        except Exception:
            log.exception("a handler failed; its batch will be retried")
            return None
