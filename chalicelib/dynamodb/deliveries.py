"""The delivery log: each delivery's state and every attempt, keyed by webhook id.

It keeps what an operator needs to diagnose a delivery — ids, state, attempts (time, status,
latency, a response excerpt with ID-shaped text masked), the listing and change it was about,
the subject's code as the masked view shows it — and what a re-drive needs besides the change
(``gateway.delivery.redelivery.Resend``); never the listing itself. The item's shape, under
1 KB, is ``delivery_items``: a delivery settled at its first attempt is one write of one unit
to the table and no index entry — it is listed through the page that queued it
(``delivery_pages``) — (and, the first time a process meets a large recognition, the one write
that stores it for every record to name).

A batch of batched delivery has a record of its own (its state and attempts, and the queued
message under ``batch_message``), keyed by its webhook id; it names its subscription as
``batch_of``. From its first failed attempt until delivered it is listed as one entry;
delivered, it holds its lines and is listed as them (``batch_records``). A dead batch's lines
get records of their own, which an operator re-drives (``gateway.delivery.batch_sending``), and
are listed in its place.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeGuard

from chalicelib.dynamodb.attempts_kept import APPENDED, write_attempt
from chalicelib.dynamodb.base import s, text
from chalicelib.dynamodb.batch_lines_sent import BatchLinesSent
from chalicelib.dynamodb.batch_records import (
    attempt_update,
    batch_view,
    is_batch,
    line_recognitions,
    line_record,
)
from chalicelib.dynamodb.batch_settling import BatchSettling
from chalicelib.dynamodb.dead_parts import DeliveredWrite, set_aside
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts
from chalicelib.dynamodb.delivery_items import (
    index_keys,
    read_attempt,
    recognition_digest,
    record_of,
    resend_doc,
    stored_attempt,
    view_of,
)
from chalicelib.dynamodb.delivery_reads import DeliveryReads
from chalicelib.dynamodb.statistics import DynamoStatistics
from gateway.delivery import (
    NOTICE,
    Attempt,
    Batch,
    Delivery,
    DeliveryRecord,
    DeliveryState,
    Progress,
    in_feedback_rate,
)
from gateway.statistics import delivered_key
from gateway_client.contract import Recognition, mask

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("credit_gateway.delivery")


class DynamoDeliveryLog(DeliveryReads):
    """The records, and a subscription's list of them (``DeliveryListing.for_subscription``)."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, statistics: DynamoStatistics | None = None
    ) -> None:
        super().__init__(client, table_name)
        self._statistics = statistics  # counts deliveries made (monthly statistics)
        self._excerpts = DeliveryExcerpts(client, table_name)
        self._batches = BatchSettling(client, table_name, statistics)
        self._lines_sent = BatchLinesSent(client, table_name, self._recognitions)

    def state(self, delivery_id: str) -> DeliveryState | None:
        found = self.get(delivery_id)
        return found.state if found else None

    def progress(self, delivery_id: str) -> Progress:
        item = self._get({"delivery_id": s(delivery_id)})
        if item is None:
            return Progress(None, 0)
        state = DeliveryState(text(item, "state")) if "state" in item else None
        sending = item.get("sending_at")
        attempts = item.get("attempts", {}).get("L", [])
        last = read_attempt(attempts[-1]["S"]) if state is DeliveryState.DEAD and attempts else None
        return Progress(  # the attempts read for a dead one only: every delivery asks this
            state,
            int(item.get("tries", {"N": "0"})["N"]),
            datetime.fromisoformat(sending["S"]) if sending else None,
            last.not_sent if last is not None else None,
            last.at if last is not None and last.not_sent is not None else None,
        )

    def begin(self, delivery_id: str, at: datetime) -> None:
        """One small write on the delivery's own item (never the subscription's, which every
        delivery to that endpoint would then contend for)."""
        self._update_if(
            TableName=self._table,
            Key={"delivery_id": s(delivery_id)},
            UpdateExpression="SET sending_at = :at",
            ConditionExpression="attribute_not_exists(#state) OR #state <> :delivered",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":at": s(at.isoformat()),
                ":delivered": s(DeliveryState.DELIVERED.value),
            },
        )

    def get(self, delivery_id: str) -> DeliveryRecord | None:
        """None until an attempt was recorded (an attempt under way is only a note), for a
        batch (its lines have records of their own) and for a replay's record (what was
        delivered is its webhook id's delivery, which feedback is about, once)."""
        item = self._get({"delivery_id": s(delivery_id)})
        return record_of(item) if _delivery_item(item) and "replay_of" not in item else None

    def line(
        self, batch_id: str, delivery_id: str
    ) -> tuple[DeliveryRecord, int, Recognition | None] | None:
        """A line of a delivered batch, as a record, with its log sequence and the recognition
        it was delivered with (None for lines stored before lines kept one)."""
        item = self._get({"delivery_id": s(batch_id)})
        found = line_record(item, delivery_id)
        if found is None:
            return None
        digest = line_recognitions(item).get(delivery_id)
        return *found, self._recognitions.get(digest) if digest else None

    def is_batch(self, delivery_id: str) -> bool:
        """Whether the id is a delivered batch's."""
        return is_batch(self._get({"delivery_id": s(delivery_id)}))

    def recipient_region(self, delivery_id: str) -> str | None:
        """The region a delivery, or a batch, was made for, by the recognition kept with it
        (a batch's lines share one region); None when it kept none."""
        item = self._get({"delivery_id": s(delivery_id)})
        if is_batch(item):
            digest = next(iter(line_recognitions(item).values()), None)
            shared = self._recognitions.get(digest) if digest else None
            return shared.subscriber_region if shared is not None else None
        kept = self.kept(delivery_id)
        return kept.recognition.subscriber_region if kept is not None else None

    def view(self, delivery_id: str) -> dict[str, Any] | None:
        """A delivery's view, or a batch's with its lines (``batch_records.batch_view``)."""
        item = self._get({"delivery_id": s(delivery_id)})
        if is_batch(item) and "state" in item:
            return batch_view(item)
        return view_of(item) if _delivery_item(item) else None

    def lines_sent(self, subscription_id: str, first: int, last: int) -> dict[str, Recognition]:
        """``BatchLinesSent.sent``: what a replay restates a batched subscription's lines with."""
        return self._lines_sent.sent(subscription_id, first, last)

    def sent_in_batches(self, subscription_id: str, first: int, last: int) -> set[str]:
        """``BatchLinesSent.ids``: lines a batch or delivery handed again must not repeat."""
        return self._lines_sent.ids(subscription_id, first, last)

    def drop_line_record(self, delivery_id: str) -> None:
        """A line's own record, dead or retrying (re-driven), taken away: the change went in
        another batch, whose record holds and counts it."""
        self._delete_if(
            TableName=self._table,
            Key={"delivery_id": s(delivery_id)},
            ConditionExpression="#state IN (:dead, :retrying)",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":dead": s(DeliveryState.DEAD.value),
                ":retrying": s(DeliveryState.RETRYING.value),
            },
        )

    def reopen(self, delivery_id: str) -> bool:
        """A dead delivery back to ``retrying``, for a re-drive; False unless it was dead."""
        # a record set aside and re-driven by its id stands again (``dead_parts.set_aside``)
        update = "SET #state = :retrying, tries = :zero REMOVE set_aside"
        return self._moved(delivery_id, update, "#state = :dead")

    def set_aside(self, delivery_id: str, subscription_id: str) -> None:
        set_aside(self._client, self._table, delivery_id, subscription_id)

    def reclose(self, delivery_id: str) -> bool:
        """Reopened but not queued (``Resending.redrive``): dead again, unless an attempt was
        made since (``tries`` moved)."""
        settled = "#state = :retrying AND tries = :zero"
        return self._moved(delivery_id, "SET #state = :dead", settled)

    def _moved(self, delivery_id: str, update: str, condition: str) -> bool:
        """A re-drive's move between dead and retrying, made if ``condition`` holds."""
        return self._update_if(
            TableName=self._table,
            Key={"delivery_id": s(delivery_id)},
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":retrying": s(DeliveryState.RETRYING.value),
                ":dead": s(DeliveryState.DEAD.value),
                ":zero": {"N": "0"},
            },
        )

    def record(
        self,
        delivery: Delivery | Batch,
        attempt: Attempt,
        state: DeliveryState,
        logs: Sequence[int] = (),
    ) -> None:
        """One write: the whole small record on the first attempt, the attempt appended after;
        the subscription's shard key with it (records of the previous shape get it here)."""
        if isinstance(delivery, Batch):
            self._record_batch(delivery, attempt, state, logs)
            return
        resend, shared = resend_doc(delivery)
        if shared is not None:
            self._recognitions.keep(shared)  # before any record names it
        keys = index_keys(delivery, attempt, state)
        if delivery.record_id is not None:  # a replay's record of its own
            keys["replay_of"] = delivery.delivery_id
        if not in_feedback_rate(delivery):  # not in the feedback rate (rebuild)
            keys["ends_listing"] = "1"
        update = dict(
            TableName=self._table,
            Key={"delivery_id": s(delivery.record_key)},
            UpdateExpression="SET #state = :state, subscription_id = :sub, change_id = :chg, "
            "credit_code = :code, listing = :lid, origin_region = :origin, updated_at = :at, "
            + "".join(f"{name} = :{name}, " for name in keys)
            + "resend = :resend, "
            + APPENDED
            + " REMOVE doc, sending_at ADD tries :one",
            # Once delivered, a late duplicate attempt must not turn it back.
            ConditionExpression="attribute_not_exists(#state) OR #state <> :delivered",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":state": s(state.value),
                ":sub": s(delivery.subscription_id),
                ":chg": s(delivery.change.change_id),
                ":code": s(mask(delivery.change.listing.credit_code)),
                ":lid": s(delivery.change.listing.listing_id),
                ":origin": s(delivery.change.listing.origin_region),
                ":at": s(attempt.at.isoformat()),
                ":resend": s(resend),
                ":one": {"N": "1"},
                ":none": {"L": []},
                ":attempt": {"L": [s(stored_attempt(attempt, state))]},
                ":delivered": s(DeliveryState.DELIVERED.value),
                **{f":{name}": s(value) for name, value in keys.items()},
            },
        )
        delivered = DeliveredWrite(self._client, self._table)
        writes = delivered if state is DeliveryState.DELIVERED else self._update_if
        recorded = write_attempt(writes, update, self._client.get_item)
        # counted once: not as a replay's record (its original's is, if it was not delivered)
        statistics = self._statistics if delivery.record_id is None else None
        if recorded and state is DeliveryState.DELIVERED and statistics is not None:
            self._count_delivered(statistics, delivery, attempt.at)
        delivered.leave_dead_parts(delivery)  # after the count: a move cut short loses no count

    def delivered_batch(self, batch: Batch, attempt: Attempt, lines: Sequence[Delivery]) -> None:
        """One write settles the batch delivered with its lines in it; their counts and any
        dead records of theirs are finished from it (``batch_settling``). The lines'
        recognitions are kept first, once each (a line names its own by digest)."""
        for recognition in {
            recognition_digest(d.recognition): d.recognition for d in lines
        }.values():
            self._recognitions.keep(recognition)
        settled = self._batches.delivered(batch, attempt, lines)
        self._excerpts.blank(batch.delivery_id, settled)  # see ``_record_batch``

    def mark_lines_dead(self, batch: Batch) -> bool:
        """Before a dead batch's lines are recorded (``batch_settling``)."""
        return self._batches.lines_dying(batch)

    def forget_answers(self, delivery_id: str) -> None:
        """The record's endpoint answers blanked (``delivery_excerpts``)."""
        self._excerpts.blank(delivery_id)

    def finish_batch(self, batch_id: str) -> None:
        """A delivered batch's counts and dead lines finished (``batch_settling``)."""
        self._batches.finish(batch_id)

    def _record_batch(
        self, batch: Batch, attempt: Attempt, state: DeliveryState, logs: Sequence[int]
    ) -> None:
        """The batch's own attempts (no listing, no change: the file's lines are recorded
        apart); once delivered, never turned back.

        A settled batch keeps no endpoint answer: an answer may echo a line's person, and the
        purge finds records by listing, which a batch is not (its lines are many listings'). So
        the answers help while the batch is retried and are blanked once it settles (or once its
        subscription is gone); a dead batch's lines get records of their own without it. A
        last attempt that holds no answer (status 0: the gateway's own note, such as why a
        file is gone and which log range to replay) is kept: the earlier ones are blanked
        before it is added."""
        dead = state is DeliveryState.DEAD
        if dead and attempt.status == 0:
            self._excerpts.blank(batch.delivery_id)
        write_attempt(
            self._update_if,
            attempt_update(self._table, batch, attempt, state, logs),
            self._client.get_item,
        )
        if dead and attempt.status != 0:
            self._excerpts.blank(batch.delivery_id)

    def _count_delivered(
        self, statistics: DynamoStatistics, delivery: Delivery, at: datetime
    ) -> None:
        """Counted once, as the log settles it delivered (the condition above lets that happen
        once); bookkeeping, so a counter that cannot be written is logged, not raised. An
        objection notice is no delivery of the listing: feedback is not asked of it, nor of
        one telling of the listing's end, and the feedback rate does not count them (reviews
        164, 202)."""
        if delivery.type == NOTICE or not in_feedback_rate(delivery):
            return
        origin = delivery.change.listing.origin_region
        key = delivered_key(delivery.delivery_id, origin, delivery.subscription_id, at)
        try:
            statistics.add({key: 1}, at)
        except Exception:
            log.warning("delivered count of %s not written", delivery.delivery_id, exc_info=True)


def _delivery_item(item: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """A single delivery's record with an attempt recorded (not a batch's, not a mere note)."""
    return item is not None and "state" in item and "batch_message" not in item
