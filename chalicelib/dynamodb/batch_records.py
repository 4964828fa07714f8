"""A delivered batch's record: one item that holds its lines, instead of a record per line.

Why: a line's own record costs three write units (the item and its two index entries), so a
national resync's 31 million lines would take the table's whole write quota for 40 minutes.
A settled file's lines instead cost about 150 bytes each inside the batch's item (a 500-line
file: about 75 write units, 0.15 a line), plus one small entry in each of two indexes.

The batch's item (keyed by its webhook id, ``batch_of`` naming its subscription) gains, once
delivered:

* ``batch_lines``: a JSON array, a line per array ``[delivery id, listing id, change id, masked
  credit code, origin region, sequence, log sequence, recognition]`` — what the line views,
  receipts and feedback need, never a full ID number (``mask``); the lines' bodies stay in the
  exchange log; ``recognition`` is the line's place in ``line_recognitions``, the distinct
  recognitions' digests (each kept once, shared: ``delivery_items.SharedRecognitions``);
  lines stored before it have none;
* ``lines_ending``: the places of the lines that ask no feedback (``recognition.asks_feedback``:
  telling of their listing's end, or only of an objection's step), which the feedback rate does
  not count (absent when there are none);
* ``subscription_shard`` and ``updated_at``: its one entry in ``by_subscription_shard``, which
  the subscription's delivery list expands into a view per line (``line_views``);
* ``first_log_sequence`` and ``line_logs`` (the lines' log sequences, a number set): its entry
  in ``by_batch_range`` (partition ``batch_of``, sort ``first_log_sequence``, ``line_logs``
  projected), from which receipts tell whether a subscription was delivered a logged change in
  a batch (``delivery_receipts.BatchReceipts``). A batch that failed has them from its first
  failed attempt, its lines then owed (their ends follow them); only a delivered one's lines
  were received.

A batch not delivered is in ``by_subscription_shard`` too, from its first failed attempt, as
one entry (``retrying_view``): while it fails it holds back everything queued behind it, and
its subscriber must see that in its delivery list, not only in the webhook that failed. Dying,
its lines get records of their own, for re-drives; before those are written, the batch's item
is marked ``lines_dead`` (``lines_dying_update``), so that, should the batch be delivered after
all, its lines' dead records are found and cleared (``batch_settling``). From that mark on the
list shows the lines, not the batch (``listed_whole``); a batch that died with no line recorded
(its file gone) stays listed, dead, whole.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeGuard

from chalicelib.dynamodb.attempts_kept import APPENDED
from chalicelib.dynamodb.base import s, text
from chalicelib.dynamodb.delivery_items import (
    read_attempt,
    recognition_digest,
    shard_key,
    stored_attempt,
)
from gateway.delivery import Attempt, Batch, Delivery, DeliveryRecord, DeliveryState
from gateway.recognition import asks_feedback
from gateway.statistics import Key, delivered_key
from gateway_client.contract import mask

BATCH_RANGE_INDEX = "by_batch_range"
_LINE_FIELDS = (
    "delivery_id",
    "listing_id",
    "change_id",
    "credit_code",
    "origin_region",
    "sequence",
    "log_sequence",
)


def line_of(delivery: Delivery) -> list[Any]:
    """A line as ``batch_lines`` keeps it (the order of ``_LINE_FIELDS``)."""
    listing = delivery.change.listing
    return [
        delivery.delivery_id,
        listing.listing_id,
        delivery.change.change_id,
        mask(listing.credit_code),
        listing.origin_region,
        delivery.sequence,
        delivery.log_sequence,
    ]


def delivered_update(
    table: str, batch: Batch, attempt: Attempt, lines: Sequence[Delivery]
) -> dict[str, Any]:
    """The one ``UpdateItem`` that settles ``batch`` delivered with its lines in it; refused
    (a conditional failure) when it was delivered already."""
    logs = sorted({d.log_sequence for d in lines if d.log_sequence is not None})
    # Each line's recognition: by its place in the batch's list of the distinct ones' digests
    # (a line grows by a digit or two; the recognitions are kept once each, shared).
    digests = [recognition_digest(d.recognition) for d in lines]
    distinct = list(dict.fromkeys(digests))
    place = {digest: n for n, digest in enumerate(distinct)}
    stored = [[*line_of(d), place[digest]] for d, digest in zip(lines, digests, strict=True)]
    values: dict[str, Any] = {
        ":state": s(DeliveryState.DELIVERED.value),
        ":sub": s(batch.subscription_id),
        ":batch": s(batch.model_dump_json()),
        ":at": s(attempt.at.isoformat()),
        ":shard": s(shard_key(batch.subscription_id, batch.delivery_id)),
        ":lines": s(json.dumps(stored, separators=(",", ":"))),
        ":recognitions": s(json.dumps(distinct, separators=(",", ":"))),
        ":first": {"N": str(min(logs, default=batch.first_log_sequence))},
        ":one": {"N": "1"},
        ":none": {"L": []},
        ":attempt": {"L": [s(stored_attempt(attempt, DeliveryState.DELIVERED))]},
    }
    sets = (
        "#state = :state, batch_of = :sub, batch_message = :batch, batch_updated_at = :at, "
        "subscription_shard = :shard, updated_at = :at, batch_lines = :lines, "
        "line_recognitions = :recognitions, "
        "first_log_sequence = :first, " + APPENDED
    )
    if logs:  # a number set is never empty
        sets += ", line_logs = :logs"
        values[":logs"] = {"NS": [str(x) for x in logs]}
    ending = [n for n, d in enumerate(lines) if not asks_feedback(d.change)]
    if ending:
        sets += ", lines_ending = :ending"
        values[":ending"] = s(json.dumps(ending, separators=(",", ":")))
    return {
        "TableName": table,
        "Key": {"delivery_id": s(batch.delivery_id)},
        "UpdateExpression": f"SET {sets} REMOVE sending_at ADD tries :one",
        "ConditionExpression": "attribute_not_exists(#state) OR #state <> :state",
        "ExpressionAttributeNames": {"#state": "state"},
        "ExpressionAttributeValues": values,
        # The delivered item either way, at no read cost: what finishing it needs.
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def lines_dying_update(table: str, batch: Batch) -> dict[str, Any]:
    """The ``UpdateItem`` that marks the batch's lines about to be recorded dead, its state
    unchanged (a crash before its dead record leaves it to be tried again); refused once it
    is delivered."""
    return {
        "TableName": table,
        "Key": {"delivery_id": s(batch.delivery_id)},
        "UpdateExpression": "SET lines_dead = :true, batch_of = :sub, batch_message = :batch",
        "ConditionExpression": "attribute_not_exists(#state) OR #state <> :delivered",
        "ExpressionAttributeNames": {"#state": "state"},
        "ExpressionAttributeValues": {
            ":true": {"BOOL": True},
            ":sub": s(batch.subscription_id),
            ":batch": s(batch.model_dump_json()),
            ":delivered": s(DeliveryState.DELIVERED.value),
        },
    }


def attempt_update(
    table: str, batch: Batch, attempt: Attempt, state: DeliveryState, logs: Sequence[int] = ()
) -> dict[str, Any]:
    """The ``UpdateItem`` that appends an attempt of a batch not (yet) delivered: its state,
    subscription and message, and its entry in the subscription's list at the attempt's time
    (shown while ``listed_whole``); refused once delivered. ``logs``, its lines' log
    sequences: its entry in ``by_batch_range`` while it is retried, so that receipts count
    its lines as owed (review 393 F1)."""
    values = {
        ":state": s(state.value),
        ":sub": s(batch.subscription_id),
        ":batch": s(batch.model_dump_json()),
        ":at": s(attempt.at.isoformat()),
        ":one": {"N": "1"},
        ":none": {"L": []},
        ":attempt": {"L": [s(attempt.model_dump_json())]},
        ":delivered": s(DeliveryState.DELIVERED.value),
        ":shard": s(shard_key(batch.subscription_id, batch.delivery_id)),
    }
    sets = (
        "#state = :state, batch_of = :sub, batch_message = :batch, batch_updated_at = :at, "
        "subscription_shard = :shard, updated_at = :at, " + APPENDED
    )
    if logs:
        sets += ", first_log_sequence = :first, line_logs = :logs"
        values[":first"] = {"N": str(min(logs))}
        values[":logs"] = {"NS": [str(x) for x in sorted(set(logs))]}
    return {
        "TableName": table,
        "Key": {"delivery_id": s(batch.delivery_id)},
        "UpdateExpression": f"SET {sets} REMOVE sending_at ADD tries :one",
        "ConditionExpression": "attribute_not_exists(#state) OR #state <> :delivered",
        "ExpressionAttributeNames": {"#state": "state"},
        "ExpressionAttributeValues": values,
    }


def delivered_counts(item: dict[str, Any]) -> dict[Key, int]:
    """What counting each line of a delivered batch's item adds, summed per key (in the
    month it was delivered, whenever this is counted): one write. Lines telling of their
    listing's end are not counted (``asks_feedback``)."""
    at = datetime.fromisoformat(text(item, "updated_at"))
    keys = (
        delivered_key(d.delivery_id, d.origin_region, d.subscription_id, at)
        for d, _ in asking_feedback(item)
    )
    return dict(Counter(keys))


def asking_feedback(item: dict[str, Any]) -> list[tuple[DeliveryRecord, int]]:
    """The lines of a delivered batch's item that count in the feedback rate: all but those
    whose places ``lines_ending`` names (batches settled before it kept them count whole)."""
    return [x for x in line_records(item) if x[0].asks_feedback]


def is_batch(item: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """A batch's record (its message kept), whatever its state."""
    return item is not None and "batch_message" in item


def lines_of(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The batch item's lines as the batch view shows them, in file order."""
    return [dict(zip(_LINE_FIELDS, line, strict=False)) for line in _raw_lines(item)]


def _raw_lines(item: dict[str, Any]) -> list[list[Any]]:
    """Lines stored before they kept their recognition's digest have one field less."""
    return json.loads(text(item, "batch_lines")) if "batch_lines" in item else []


def line_recognitions(item: dict[str, Any] | None) -> dict[str, str]:
    """Each line's recognition digest by its delivery id (lines that kept one)."""
    if not is_batch(item) or "line_recognitions" not in item:
        return {}
    digests = json.loads(text(item, "line_recognitions"))
    at = len(_LINE_FIELDS)
    return {line[0]: digests[line[at]] for line in _raw_lines(item) if len(line) > at}


def line_record(item: dict[str, Any] | None, delivery_id: str) -> tuple[DeliveryRecord, int] | None:
    """A delivered batch's line as a record of its own, with its log sequence: what feedback
    on a change delivered in a batch is judged by (None: no such line in a delivered batch)."""
    found = (x for x in line_records(item) if x[0].delivery_id == delivery_id)
    return next(found, None)


def line_records(item: dict[str, Any] | None) -> list[tuple[DeliveryRecord, int]]:
    """Each line of a delivered batch as a record of its own, with its log sequence (none for
    a batch not delivered)."""
    if not is_batch(item) or "batch_lines" not in item:
        return []
    ending = set(json.loads(text(item, "lines_ending"))) if "lines_ending" in item else set()
    return [
        (
            DeliveryRecord(
                delivery_id=line["delivery_id"],
                subscription_id=text(item, "batch_of"),
                state=DeliveryState(text(item, "state")),
                credit_code=line["credit_code"],
                listing_id=line["listing_id"],
                origin_region=line["origin_region"],
                updated_at=text(item, "updated_at"),
                asks_feedback=n not in ending,
            ),
            int(line["log_sequence"]),
        )
        for n, line in enumerate(lines_of(item))
    ]


def _attempts(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        read_attempt(a["S"]).model_dump(mode="json") for a in item.get("attempts", {}).get("L", [])
    ]


def listed_whole(item: dict[str, Any]) -> bool:
    """A batch not delivered whose lines are not (being) recorded apart: listed as one entry."""
    return "batch_lines" not in item and "lines_dead" not in item


def line_views(item: dict[str, Any]) -> list[dict[str, Any]]:
    """A delivered batch's lines as single deliveries' views (newest first: the file's last
    line first), each naming its batch and carrying the attempt that delivered it; a batch
    ``listed_whole``, as one view of its own (``retrying_view``); one whose lines are listed
    apart (dying or dead), none."""
    if "batch_lines" not in item:
        return [retrying_view(item)] if listed_whole(item) else []
    attempts = _attempts(item)[-1:]
    batch_id, subscription_id = text(item, "delivery_id"), text(item, "batch_of")
    return [
        {
            "delivery_id": line["delivery_id"],
            "subscription_id": subscription_id,
            "state": text(item, "state"),
            "listing_id": line["listing_id"],
            "updated_at": text(item, "updated_at"),
            "attempts": attempts,
            "batch_id": batch_id,
        }
        for line in reversed(lines_of(item))
    ]


def retrying_view(item: dict[str, Any]) -> dict[str, Any]:
    """A batch not delivered (retrying, or dead with no line recorded: its file gone), in its
    subscription's list: a delivery's view with no listing, its webhook id as its
    ``delivery_id`` and ``batch_id``, and every attempt so far."""
    batch_id = text(item, "delivery_id")
    return {
        "delivery_id": batch_id,
        "subscription_id": text(item, "batch_of"),
        "state": text(item, "state"),
        "listing_id": None,
        "updated_at": text(item, "batch_updated_at"),
        "attempts": _attempts(item),
        "batch_id": batch_id,
    }


def batch_view(item: dict[str, Any]) -> dict[str, Any]:
    """A batch as ``GET /v1/deliveries/{batch_id}`` shows it: a delivery's view (its webhook
    id is its delivery id) with no listing, and under ``batch`` the file it announced and,
    once delivered, its lines (a dead batch's lines are deliveries of their own)."""
    batch = Batch.model_validate_json(text(item, "batch_message"))
    return {
        "delivery_id": batch.delivery_id,
        "subscription_id": batch.subscription_id,
        "state": text(item, "state"),
        "listing_id": None,
        "updated_at": text(item, "batch_updated_at"),
        "attempts": _attempts(item),
        "batch": {
            "count": batch.count,
            "first_sequence": batch.first_sequence,
            "last_sequence": batch.last_sequence,
            "first_log_sequence": batch.first_log_sequence,
            "last_log_sequence": batch.last_log_sequence,
            "lines": lines_of(item),
        },
    }
