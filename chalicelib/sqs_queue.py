"""The delivery queue: batched sends, and visibility changes that implement back-off."""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from gateway.delivery import Batch, Delivery, by_reference
from gateway_client.contract import Recognition, mask

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

_SEND_TRIES = 3
_BATCH = 10  # SQS's most entries a SendMessageBatch
# SQS's most payload a SendMessageBatch (its bodies' UTF-8 bytes together): 256 KiB, as a
# message's (1 MiB since 2025 in some regions; China's not known to be among them). A delivery
# larger goes by reference (``gateway.delivery.referenced``).
_BATCH_BYTES = 256 * 1024
_LANES = 8  # concurrent senders: every message group keeps to one of them, so order holds
# SQS counts a visibility timeout from when the message was received and caps the total at
# 12 h; keep a Lambda run's worth (15 min) of margin below it.
MESSAGE_RETENTION = timedelta(seconds=1_209_600)  # the queues' MessageRetentionPeriod (infra)
MAX_VISIBILITY_SECONDS = 12 * 3600 - 15 * 60


Queued = Delivery | Batch


def group_of(delivery: Queued, whole: bool = False) -> str:
    """The FIFO message group: one subscription, one subject (hashed: no IDs in queue metadata).

    The subject is keyed by its masked code, which is the same whether this subscriber receives
    the listing masked or not. A batched subscription's messages (``whole``), a batch spanning
    many subjects among them, share one group, the subscription's: its files and single
    deliveries then arrive in the order queued (``gateway.delivery.batching``).
    """
    if whole or isinstance(delivery, Batch):
        every = hashlib.sha256(delivery.subscription_id.encode()).hexdigest()[:24]
        return f"{delivery.subscription_id}.{every}"
    subject = hashlib.sha256(mask(delivery.change.listing.credit_code).encode()).hexdigest()[:24]
    return f"{delivery.subscription_id}.{subject}"


Grouped = tuple[str, Queued]
"""A delivery and its message group."""


def lanes_of(deliveries: Iterable[Queued], whole: Collection[str] = ()) -> list[list[Grouped]]:
    """The deliveries split into at most ``_LANES`` lanes by message group, each in order
    (``whole``: the batched subscriptions, one group each)."""
    lanes: dict[int, list[Grouped]] = defaultdict(list)
    for delivery in deliveries:
        group = group_of(delivery, delivery.subscription_id in whole)
        lanes[int(group[-8:], 16) % _LANES].append((group, delivery))
    return [lanes[k] for k in sorted(lanes)]


Bodied = tuple[str, Queued, str]
"""A delivery, its message group and the body it is sent as."""


def batches_of(lane: Sequence[Grouped], keep: Keep | None = None) -> Iterator[list[Bodied]]:
    """Consecutive batches of up to ten messages whose bodies come to at most
    ``_BATCH_BYTES``, a new one whenever a group would repeat in it (review 370: ten deliveries
    carrying large measures passed SQS's limit on a call's payload, and the whole call, and so
    the fan-out, was refused again and again); each made as it is sent, so one batch's bodies
    are held at a time (review 373)."""
    batch: list[Bodied] = []
    size = 0
    for group, delivery in lane:
        body = body_of(delivery, keep)
        length = len(body.encode())
        full = len(batch) == _BATCH or size + length > _BATCH_BYTES
        if batch and (full or any(group == held for held, _, _ in batch)):
            yield batch
            batch, size = [], 0
        batch.append((group, delivery, body))
        size += length
    if batch:
        yield batch


Keep = Callable[[Recognition], str]
"""Keeps a recognition apart (``SharedRecognitions.keep``) and names it: its digest."""


def body_of(delivery: Queued, keep: Keep | None) -> str:
    """The message: the delivery, or, past what a message holds, the delivery with its
    recognition kept apart (review 376: a listing with a long history and its region's
    measures passed it, and SQS refused the fan-out's every retry). Its message group is the
    delivery's, so its order holds."""
    body = message_text(delivery.model_dump_json())
    if isinstance(delivery, Delivery) and keep is not None and len(body.encode()) > _BATCH_BYTES:
        return message_text(by_reference(delivery, keep(delivery.recognition)).model_dump_json())
    return body


_NOT_IN_A_MESSAGE = re.compile("[\ufffe\uffff]")


def message_text(body: str) -> str:
    """``body`` (JSON) as SQS takes it: its characters are XML's, without U+FFFE and U+FFFF,
    and a message holding one is refused, its stream batch with it on every retry. In JSON
    they stand only inside strings, so escaped they read back the same. Input text refuses
    them (review 383); a listing or agreement stored before may hold one."""
    return _NOT_IN_A_MESSAGE.sub(lambda found: f"\\u{ord(found.group()):04x}", body)


class QueueSendFailed(RuntimeError):
    """SQS refused some messages even after retries; the caller must not acknowledge its input."""


class SqsDeliveryQueue:
    def __init__(
        self,
        client: SQSClient,
        queue_url: str,
        dead_letter_url: str,
        batched: Callable[[], Collection[str]] = frozenset,
        pages: Callable[[list[Queued]], object] | None = None,
        keep: Keep | None = None,
    ) -> None:
        self._batched = batched  # the batched subscriptions now: one message group each
        self._pages = pages  # what lists them (``dynamodb.delivery_pages``), before sending
        self._keep = keep  # where a delivery too large for a message keeps its recognition
        self._client = client
        self._url = queue_url
        self._dead_letter_url = dead_letter_url

    def enqueue(
        self,
        deliveries: Iterable[Queued],
        dedup_suffix: str = "",
        batched: Collection[str] | None = None,
    ) -> None:
        """FIFO, one message group per (subscription, subject): a subject's changes reach a
        subscriber in order, and a failing one holds back only that subject's later changes
        (a batched subscription: one group, ``group_of``; its mode as the caller read it in
        ``batched`` — fan-out, as it planned the batch's files — else read as they are queued).

        The deduplication id is the delivery id, so a fan-out that runs twice sends once; a
        re-drive or a replay passes ``dedup_suffix`` to be sent again on purpose.
        """
        held = list(deliveries)
        if self._pages is not None and held:
            self._pages(held)  # first: a page that cannot be written sends nothing
        whole = batched if batched is not None else self._batched() if held else frozenset()
        self._send(self._url, held, dedup_suffix, whole)

    def dead_letter(self, delivery: Queued) -> None:
        """Park an exhausted delivery where operators look, whatever the queue's redrive count.
        Each death is a message of its own: one re-driven and dead again within SQS's five
        minutes of deduplication sent none, and no alarm counted it (review 170)."""
        self._send(self._dead_letter_url, [delivery], f"#dead{time.time_ns()}")

    def _send(
        self, url: str, deliveries: Iterable[Queued], dedup_suffix: str, whole: Collection[str] = ()
    ) -> None:
        """Send in concurrent lanes, each a sequence of batches. A message group keeps to one
        lane, and a batch holds at most one message of a group, so a group's messages are sent
        one batch after another, in order, whatever is retried: a batch's failed entry is sent
        again before the lane moves on, and a lane that gives up sends nothing after it."""
        lanes = lanes_of(deliveries, whole)
        if len(lanes) <= 1:
            for lane in lanes:
                self._send_lane(url, lane, dedup_suffix)
            return
        with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
            for sent in [pool.submit(self._send_lane, url, lane, dedup_suffix) for lane in lanes]:
                sent.result()  # the first failure, after every lane has finished or stopped

    def _send_lane(self, url: str, lane: Sequence[Grouped], dedup_suffix: str) -> None:
        for chunk in batches_of(lane, self._keep):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {
                    "Id": str(i),
                    "MessageBody": body,
                    "MessageGroupId": group,
                    "MessageDeduplicationId": (d.record_key + dedup_suffix)[:128],
                }
                for i, (group, d, body) in enumerate(chunk)
            ]
            for _ in range(_SEND_TRIES):
                reply = self._client.send_message_batch(QueueUrl=url, Entries=entries)
                failed = {f["Id"] for f in reply.get("Failed", [])}
                entries = [entry for entry in entries if entry["Id"] in failed]
                if not entries:
                    break
            else:
                raise QueueSendFailed(f"{len(entries)} deliveries could not be queued")

    def backlog(self) -> tuple[int, int, int]:
        """Approximately how many deliveries wait (visible), are being attempted (in flight)
        and are held back (delayed): SQS's own counts, seconds old."""
        reply = self._client.get_queue_attributes(
            QueueUrl=self._url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )
        found = reply.get("Attributes", {})
        return (
            int(found.get("ApproximateNumberOfMessages", "0")),
            int(found.get("ApproximateNumberOfMessagesNotVisible", "0")),
            int(found.get("ApproximateNumberOfMessagesDelayed", "0")),
        )

    def retry_later(self, receipt_handle: str, delay: timedelta) -> None:
        seconds = min(int(delay.total_seconds()), MAX_VISIBILITY_SECONDS)
        self._client.change_message_visibility(
            QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


def message_expiry(record: Mapping[str, Any]) -> datetime | None:
    """When the queue would drop this message (sent + retention), less the longest a retry
    holds it invisible and an hour for the run that finds it: a retry due after that is judged
    dead instead (``DeliveryService.deliver``). ``None`` when SQS gave no ``SentTimestamp`` it
    can read (review 173: a malformed one failed the whole run)."""
    sent = record.get("attributes", {}).get("SentTimestamp")
    if not isinstance(sent, str) or not sent.isascii() or not sent.isdigit():
        return None  # none, or unreadable (SQS sends digits): no expiry, as for none
    try:
        at = datetime.fromtimestamp(int(sent) / 1000, UTC)
        return at + MESSAGE_RETENTION - timedelta(seconds=MAX_VISIBILITY_SECONDS, hours=1)
    except (OverflowError, OSError, ValueError):  # past any date there is
        return None
