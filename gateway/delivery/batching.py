"""Batched delivery: a stream batch's changes for one subscriber as one signed NDJSON file.

When a ``batched`` subscription gets a file: fan-out plans every delivery as for a ``single``
one (same ids, per-subscription ``sequence``, ``log_sequence``, recognition, masking); then,
of what one fan-out run (one stream batch) planned for that subscription, the
``listing.changed`` deliveries — at least ``MIN_LINES`` of them, at most ``MAX_LINES`` a file —
become the lines of one file, in planned order, and one ``deliveries.batch`` message takes
the place of the first of them in the queue. Anything else planned for it (intensified flags,
objection notices, a lone change, re-evaluations, replays, re-drives) is sent singly.

Why per-subject order holds across files and single deliveries: every message for a batched
subscription, batch or single, is queued in ONE FIFO message group, the subscription's own
(``chalicelib.sqs_queue.group_of``), instead of one group per subject; a group is delivered
strictly in queue order and a failing message holds back every later one. Fan-out queues a
subject's changes in log order (the stream hands a credit code's records in order, and a later
stream batch of it starts only after the earlier one was queued), a file's lines follow that
order, and the file sits where its first line would have. So a subject's changes reach the
subscriber in log order whether they came in a file or alone. The price: one slow message holds
back the whole subscription rather than one subject — which a subscriber who asked for a few
large files instead of many small webhooks can afford. Switching mode applies to what is
queued from then on; messages already queued keep their group (settle what is in flight, or
replay, before relying on order across a switch).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, TypeAdapter

from gateway.delivery.planning import Delivery, payload_for
from gateway.delivery.referenced import Referenced
from gateway_client.contract import (
    BATCH_EVENT,
    ChangeType,
    Clock,
    DeliveryPayload,
    Frozen,
    file_digest,
)

MIN_LINES = 2  # fewer, and the change goes singly: a file for one line saves nothing
MAX_LINES = 1000  # a stream batch is 500 records (``infra/stream_failures.py``): a safety cap
MAX_LOG_SPAN = 65_536
"""A file's lines lie within this many log sequences of its lowest: fan-out runs log their
chunks concurrently, so one run's changes may be far apart in the log. The bound is what lets
receipts find the delivered batch holding a logged change by one bounded index query
(``chalicelib.dynamodb.batch_records``): its ``first_log_sequence`` is within this of it."""
# The presigned link: well inside the bucket's expiry of files. It also ends when the signing
# role's session does (a function's credentials); either way the receiver's GET fails, it
# answers non-2xx, and the retry carries a fresh link.
LINK_TTL = timedelta(hours=1)
BATCH_KEY_PREFIX = "batches/"
# The bucket's lifecycle expires files under ``BATCH_KEY_PREFIX`` after this many days (the rule
# ``BatchedDeliveryFiles`` in ``infra/resources.json``): a safety net, as a settled batch's file
# is deleted at once. Longer than a batch can be retried (an endpoint failing batches for
# ``EndpointHealth.disable_after``, 5 days, is disabled and its batches parked, whatever single
# deliveries got through meanwhile: ``Subscription.batches_failing_since``), much longer than
# a link (``LINK_TTL``).
FILE_DAYS = 7


class Batch(Frozen):
    """The queued message for one file (the file itself is in the bucket under ``key``)."""

    type: Literal["deliveries.batch"] = BATCH_EVENT
    delivery_id: str  # the webhook-id, stable across retries
    subscription_id: str
    key: str
    sha256: str
    size: int
    count: int
    first_sequence: int
    last_sequence: int
    first_log_sequence: int
    last_log_sequence: int
    created_at: AwareDatetime
    replay: bool = False  # a batch is never replayed as such: a replay sends single deliveries

    @property
    def record_key(self) -> str:
        """Where the delivery log keeps the batch's attempts (as ``Delivery.record_key``)."""
        return self.delivery_id


Queued = Annotated[Delivery | Batch | Referenced, Field(discriminator="type")]
_QUEUED: TypeAdapter[Delivery | Batch | Referenced] = TypeAdapter(Queued)


def queued_from_json(body: str | bytes) -> Delivery | Batch | Referenced:
    """A delivery queue message: a single delivery, a batch, or a delivery too large for a
    message (``referenced``), told apart by ``type``."""
    return _QUEUED.validate_json(body)


def batchable(delivery: Delivery) -> bool:
    """A logged change's delivery, numbered: what a file's line may be."""
    return (
        delivery.type == "listing.changed"
        and delivery.log_sequence is not None
        and delivery.sequence is not None
        and not delivery.replay
    )


def gathered(
    deliveries: Sequence[Delivery], batched: Mapping[str, str]
) -> list[Delivery | list[Delivery]]:
    """``deliveries`` in order, with each batched subscription's (``batched``: id → region)
    batchable ones gathered into files of ``MIN_LINES`` … ``MAX_LINES``, each placed where
    its first line was. A file ends at any other delivery to its subscription (a flag, a
    notice): placed at its first line, a file holding lines from after it would overtake it;
    and before a line that would stretch its log range past ``MAX_LOG_SPAN``."""
    runs: dict[str, list[list[Delivery]]] = {}
    spans: dict[str, tuple[int, int]] = {}  # the log range of each subscription's open run
    for delivery in deliveries:
        if delivery.subscription_id not in batched:
            continue
        held = runs.setdefault(delivery.subscription_id, [[]])
        if batchable(delivery):
            at = delivery.log_sequence or 0
            low, high = spans.get(delivery.subscription_id, (at, at)) if held[-1] else (at, at)
            low, high = min(low, at), max(high, at)
            if high - low > MAX_LOG_SPAN:  # too far from the open run: a new one
                held.append([])
                low = high = at
            spans[delivery.subscription_id] = (low, high)
            held[-1].append(delivery)
        elif held[-1]:
            held.append([])
    first_of: dict[str, list[Delivery]] = {}  # delivery id of a file's first line → the file
    in_file: set[str] = set()
    for run in (run for held in runs.values() for run in held):
        for start in range(0, len(run), MAX_LINES):
            chunk = run[start : start + MAX_LINES]
            if len(chunk) >= MIN_LINES:
                first_of[chunk[0].delivery_id] = chunk
                in_file.update(d.delivery_id for d in chunk)
    out: list[Delivery | list[Delivery]] = []
    for delivery in deliveries:
        if delivery.delivery_id in first_of:
            out.append(first_of[delivery.delivery_id])
        elif delivery.delivery_id not in in_file:
            out.append(delivery)
    return out


def file_of(lines: Sequence[Delivery], region: str, shared: Shared | None = None) -> bytes:
    """One line per delivery: exactly the body its single webhook would carry
    (``DeliveryPayload.to_bytes``). Changes and recognitions are shared by many lines of a
    fan-out's files (a change is masked once for every region that does not recognise it and
    shown as it is to the others, a recognition is remembered per listing facts), so each is
    turned to JSON once, not once a line: ``shared`` holds them across the files of one run.
    ``tests/unit/test_batch_lines.py`` proves the bytes equal."""
    shared = {} if shared is None else shared

    def dumped(model: Frozen) -> Any:
        found = shared.get(id(model))
        if found is None or found[0] is not model:  # held with its JSON: no id is reused
            found = shared[id(model)] = (model, model.model_dump(mode="json"))
        return found[1]

    out: list[bytes] = []
    for d in lines:
        payload = payload_for(d, subscriber_region=region)
        body = payload.model_dump(mode="json", exclude=_SHARED)
        body["data"], body["recognition"] = dumped(payload.data), dumped(payload.recognition)
        out.append(json.dumps(body, ensure_ascii=False, sort_keys=True).encode() + b"\n")
    return b"".join(out)


Shared = dict[int, tuple[Frozen, Any]]
"""A model's JSON value by its ``id``, held with the model itself (so the id stays its own)."""


_SHARED = {"data", "recognition"}


def batch_id(lines: Sequence[Delivery]) -> str:
    """Deterministic from the lines' delivery ids: a stream batch fanned out twice writes (and
    queues) the same batch, which the delivery log and the queue recognise."""
    seed = "\n".join(d.delivery_id for d in lines)
    return "bat_" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def key_of(subscription_id: str, first_log: int, last_log: int, batch: str) -> str:
    """Where the file lies; the log range in the name lets erasure find the files that may
    hold a purged listing without reading any other."""
    return f"{BATCH_KEY_PREFIX}{subscription_id}/{first_log:012d}-{last_log:012d}-{batch}.ndjson"


def batch_of(key: str) -> str:
    """The batch id a file's key ends with (``key_of``): its webhook id, its record's key."""
    return key.rsplit("-", 1)[-1].removesuffix(".ndjson")


def log_range(key: str) -> tuple[int, int] | None:
    """The (first, last) log sequence a file's key names; ``None``: not a batch file's key."""
    name = key.rsplit("/", 1)[-1]
    parts = name.split("-", 2)
    if not key.startswith(BATCH_KEY_PREFIX) or len(parts) != 3:
        return None
    first, last = parts[0], parts[1]
    return (int(first), int(last)) if first.isdigit() and last.isdigit() else None


def lines_in(body: bytes) -> list[DeliveryPayload]:
    """The file's lines, as a subscriber reads them."""
    return [DeliveryPayload.model_validate_json(x) for x in body.split(b"\n") if x.strip()]


def delivery_of(line: DeliveryPayload) -> Delivery:
    """The delivery a line was made from (what the delivery log records for each line)."""
    return Delivery(
        delivery_id=line.delivery_id,
        subscription_id=line.subscription_id,
        type=line.type,
        change=line.data,
        recognition=line.recognition,
        intensified=line.intensified,
        log_sequence=line.log_sequence,
        sequence=line.sequence,
    )


def without(body: bytes, listing_ids: Collection[str]) -> bytes:
    """The file with the lines of ``listing_ids`` taken out (what a purge leaves of it), the
    others byte for byte and in order. A purge's tombstone stays: it holds no personal data,
    and it is what goes in the erased content's place."""
    return b"".join(
        line + b"\n" for line in body.split(b"\n") if line.strip() and not _of(line, listing_ids)
    )


def dropping(body: bytes, delivery_ids: Collection[str]) -> bytes:
    """The file without the lines of ``delivery_ids``, the others byte for byte and in order."""
    return b"".join(
        line + b"\n"
        for line in body.split(b"\n")
        if line.strip() and json.loads(line)["delivery_id"] not in delivery_ids
    )


def replaced(body: bytes, lines: Mapping[str, Delivery], region: str) -> bytes:
    """The file with each line of a delivery id in ``lines`` made again from that delivery
    (``file_of``: a line masked since, ``batch_sending.file_lines``), the others byte for byte
    and in order."""
    out: list[bytes] = []
    for line in body.split(b"\n"):
        if line.strip():
            new = lines.get(json.loads(line)["delivery_id"])
            out.append(file_of([new], region) if new is not None else line + b"\n")
    return b"".join(out)


def _of(line: bytes, listing_ids: Collection[str]) -> bool:
    change = json.loads(line)["data"]
    purge = change["type"] == ChangeType.PURGED.value
    return not purge and change["listing"]["listing_id"] in listing_ids


def described(
    body: bytes,
    key: str,
    subscription_id: str,
    clock: Clock,
    lines: Sequence[Delivery] | None = None,
) -> Batch:
    """The message for the file ``body`` stored under ``key`` (read back from the bytes
    stored, so a repeated fan-out that found the file written describes the one kept).
    ``lines``: the deliveries ``body`` is exactly the ``file_of``, whose numbers are then read
    off them rather than parsed back out of every line."""
    return Batch(
        delivery_id=batch_of(key),
        subscription_id=subscription_id,
        key=key,
        created_at=clock.now(),
        **(_numbers(body) if lines is None else _numbers_of(lines, body)),
    )


def restated(batch: Batch, body: bytes) -> Batch:
    """``batch`` as its file ``body`` is now: a purge may have taken lines out of it since it
    was queued (``without``); what is announced is what the link serves."""
    return batch.model_copy(update=_numbers(body))


def _numbers(body: bytes) -> dict[str, Any]:
    """What a batch's message says of its (non-empty) file: digest, size, count, ranges."""
    numbers = [json.loads(x) for x in body.split(b"\n") if x.strip()]
    return _numbered(
        body, [int(x["sequence"]) for x in numbers], [int(x["log_sequence"]) for x in numbers]
    )


def _numbers_of(lines: Sequence[Delivery], body: bytes) -> dict[str, Any]:
    """``_numbers(body)`` for the ``body`` that is ``file_of(lines, …)``."""
    return _numbered(body, [d.sequence or 0 for d in lines], [d.log_sequence or 0 for d in lines])


def _numbered(body: bytes, sequences: list[int], logged: list[int]) -> dict[str, Any]:
    return {
        "sha256": file_digest(body),
        "size": len(body),
        "count": len(sequences),
        "first_sequence": sequences[0],
        "last_sequence": sequences[-1],
        "first_log_sequence": min(logged),
        "last_log_sequence": max(logged),
    }
