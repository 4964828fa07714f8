"""The batch's part of sending (``gateway.delivery.sending``): its announcement, made at each
attempt with a fresh link; its settling (delivered: one record holding its lines; dead: line
by line); and the note when its file is gone.

What is announced is the file as read for the attempt, not as it was queued: a purge takes a
purged listing's lines out of a pending file and leaves the others in it
(``chalicelib.batch_files``), so the batch keeps its place in the subscription's one message
group and its other lines go out where they were, with their ids and in their order (none
overtaken by a later change of its subject), and each of them settles — delivered, or dead for
a re-drive — as always. Should the file change between the read and the subscriber's GET, the
digest announced no longer matches, the subscriber refuses, and the retry reads it again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from gateway.delivery.batching import (
    LINK_TTL,
    Batch,
    delivery_of,
    dropping,
    lines_in,
    replaced,
    restated,
)
from gateway.delivery.planning import Delivery
from gateway.delivery.ports import Acknowledgements, BatchFiles, DeliveryLog
from gateway.delivery.records import Attempt, DeliveryState
from gateway.delivery.subscription import Subscription
from gateway_client.contract import BatchAnnouncement, file_digest

_SETTLED = frozenset({DeliveryState.DELIVERED, DeliveryState.DEAD})
Shown = Callable[[list[Delivery]], list[Delivery]]
"""Deliveries as today's recognition shows them (``redelivery.shown_now``)."""
_RECORDERS = 8  # a file's line records are written this many at a time


def announcement(files: BatchFiles, batch: Batch, region: str, now: datetime) -> bytes | None:
    """The ``deliveries.batch`` body for an attempt at ``now`` (``batch`` as ``file_lines``
    read it); ``None`` if the file is gone.
    The link is made now and lasts ``LINK_TTL``: a retry hours later carries a fresh one, and
    none outlives the file (the bucket expires files long after any link)."""
    url = files.link(batch.key, LINK_TTL)
    if url is None:
        return None
    return BatchAnnouncement(
        timestamp=batch.created_at,
        batch_id=batch.delivery_id,
        subscription_id=batch.subscription_id,
        subscriber_region=region,
        url=url,
        expires_at=now + LINK_TTL,
        sha256=batch.sha256,
        size=batch.size,
        count=batch.count,
        first_sequence=batch.first_sequence,
        last_sequence=batch.last_sequence,
        first_log_sequence=batch.first_log_sequence,
        last_log_sequence=batch.last_log_sequence,
    ).to_bytes()


def file_lines(
    files: BatchFiles, batch: Batch, shown: Shown | None = None, region: str = ""
) -> tuple[Batch, list[Delivery]] | None:
    """The batch as its file is now, and the file's lines as deliveries (``None``: the file
    is gone). Read before the POST and kept for the settling: a purge may change or erase the
    file while the subscriber answers, and what it was sent must still be recorded and
    acknowledged line by line. With ``shown`` (before an announcement), a line written with ID
    numbers in full whose ``region`` no longer recognises its listing today is masked in the
    file first, as a single delivery is at its attempt (``withholding``; review 46f)."""
    body = files.read(batch.key)
    if not body:
        return None
    lines = [delivery_of(line) for line in lines_in(body)]
    if shown is not None:
        masked = {b.delivery_id: b for a, b in zip(lines, shown(lines), strict=True) if a is not b}
        if masked:
            body = files.rewritten(batch.key, lambda held: replaced(held, masked, region))
            if not body:
                return None
            lines = [delivery_of(line) for line in lines_in(body)]
    return restated(batch, body), lines


def drop_sent(
    log: DeliveryLog, files: BatchFiles, batch: Batch, now: datetime, singly_to: int | None = None
) -> bool:
    """Take out of the batch's file the lines its subscription was delivered already; True
    when none is left, the batch then settled delivered with no line (its record first, then
    its file goes: a copy of its message finds it settled, review 262).

    The stream hands a fan-out's records at least once: a batch handed again split otherwise
    (Lambda bisects a batch whose invocation failed after it had queued) makes other files of
    the same changes under other batch ids, and one handed again after the subscription turned
    from single to batched delivery (at log size ``singly_to``) makes files of changes that
    went singly; both were sent, and counted, twice (review 259). Done first in an attempt
    (holding back would record them dead): one query of the index of delivered batches by log
    range; the file is read only when that finds lines or the batch reaches back to
    ``singly_to``, and then only those lines' records. The files queued before this one have
    settled by now, as a batched subscription's messages share one group."""
    first, last = batch.first_log_sequence, batch.last_log_sequence
    sent = log.sent_in_batches(batch.subscription_id, first, last)
    singly = singly_to is not None and first <= singly_to  # may hold lines sent singly
    found = file_lines(files, batch) if sent or singly else None
    if found is None:
        return False
    again = {line.delivery_id for line in found[1]} & sent
    if singly:  # the subscription turned to batched delivery at ``singly_to`` (review 259)
        before = [x.delivery_id for x in found[1] if (x.log_sequence or 0) <= (singly_to or 0)]
        again |= log.delivered_singly(before)
    if again and len(again) == len(found[1]):
        log.delivered_batch(batch.model_copy(update={"count": 0}), sent_before(now), [])
        files.remove(batch.key)
        return True
    if again:
        files.rewritten(batch.key, lambda held: dropping(held, again))
    return False


def sent_as_line(log: DeliveryLog, delivery: Delivery, subscription: Subscription) -> bool:
    """A change delivered already as a line of a batch, handed again as a single delivery
    (the subscription turned to single delivery before the stream handed its fan-out again:
    review 259). Asked only where the subscription ever took batches; a replay is sent again
    on purpose. A line of a dead batch, re-driven, that went in a split copy since has its own
    record taken away: it would stay retrying, no message left to settle it (review 264)."""
    if delivery.replay or not sent_in_a_batch(log, delivery, subscription):
        return False
    log.drop_line_record(delivery.delivery_id)
    return True


def sent_in_a_batch(log: DeliveryLog, delivery: Delivery, subscription: Subscription) -> bool:
    """Whether ``delivery``'s change went as a line of one of the subscription's delivered
    batches (asked only where it ever took batches)."""
    logged = delivery.log_sequence
    if logged is None or not subscription.had_batches():
        return False
    return delivery.delivery_id in log.sent_in_batches(delivery.subscription_id, logged, logged)


def settle(
    log: DeliveryLog,
    files: BatchFiles,
    batch: Batch,
    attempt: Attempt,
    state: DeliveryState,
    lines: Sequence[Delivery] | None = None,
) -> None:
    """Record the batch's attempt, then, once it settled, the file goes: what was delivered
    is the subscriber's, what is dead is re-driven from the log.

    Delivered: ONE write, the batch's record holding its lines compactly (``delivered_batch``)
    — a record per line would cost the table three write units a change, which a national
    resync cannot afford; delivery lists, receipts and statistics read the lines from it.
    Dead: each line first gets a record of its own with this attempt, so "re-drive all dead"
    finds every change, then the batch. Either way, a crash before the batch's own record
    leaves the batch unsettled, to be tried again — and then perhaps delivered, with some of
    its lines recorded dead already: so the batch is marked first (``mark_lines_dead``, its
    state unchanged), and settling it delivered clears its lines' dead records when the mark
    is there (only then: the delivered path stays one write). A batch delivered already (a
    late copy) writes no dead line."""
    if state not in _SETTLED:  # its lines owed while it is retried (review 393 F1)
        if lines is None:  # an attempt cut off: as the file is now
            found = file_lines(files, batch)
            lines = found[1] if found else []
        logs = [x.log_sequence for x in lines if x.log_sequence is not None]
        log.record(batch, attempt, state, logs)
        if attempt.response_excerpt and _cut_since(files, batch):
            log.forget_answers(batch.delivery_id)
        return
    if lines is None:  # settled without an attempt (held back, cut off): as the file is now
        found = file_lines(files, batch)
        batch, lines = found if found else (batch, [])
    if state is DeliveryState.DELIVERED:
        log.delivered_batch(batch, attempt, lines)
        files.remove(batch.key)
        return
    if not lines:  # its file gone (or every line purged): nothing to record apart, and the
        log.record(batch, attempt, state)  # batch stays listed, dead, whole
        files.remove(batch.key)
        return
    if not log.mark_lines_dead(batch):  # delivered already: none of its lines is dead
        files.remove(batch.key)
        return
    # The endpoint's answer is about the whole file and may echo any line's person; a line's
    # record is its own listing's, which is what a purge reaches: so the lines keep the attempt
    # without it (and the batch's record blanks it as it settles).
    told = attempt.model_copy(update={"response_excerpt": ""})
    with ThreadPoolExecutor(max_workers=_RECORDERS) as pool:  # one request each, any order
        list(pool.map(lambda line: log.record(line, told, state), lines))
    log.record(batch, attempt, state)  # after the lines: a crash before it leaves it unsettled
    files.remove(batch.key)


def _cut_since(files: BatchFiles, batch: Batch) -> bool:
    """Whether the file is no longer what was sent: a purge cut a line out of it (or it went)
    while the endpoint answered. The purge blanks the answers the batch's record holds after
    cutting; an attempt written after that blanking finds the file cut, read after the write,
    and its answer (which may echo the purged person) goes too."""
    body = files.read(batch.key)
    return body is None or file_digest(body) != batch.sha256


def acknowledge(
    acknowledgements: Acknowledgements, lines: Sequence[Delivery], at: datetime
) -> None:
    """Each line acknowledged, as a single delivery is (e.g. an upward-reporting arrival)."""
    acknowledgements.acknowledged_lines(lines, at)


def sent_before(now: datetime) -> Attempt:
    """The attempt noted for a batch none of whose lines is left to send (``drop_sent``):
    settled delivered with no line, so a later copy of its message finds it settled instead
    of its file gone (review 260: recorded nothing, such a copy made it a dead batch)."""
    note = "not sent: every line of this batch was delivered already (in another batch, or singly)"
    return Attempt(at=now, status=0, latency_ms=0, response_excerpt=note)


def lost(batch: Batch, now: datetime) -> Attempt:
    """The attempt noted when the file of a batch not yet delivered is gone: a purge took out
    every line (all of purged listings, whose tombstones go instead: nothing is owed), or the
    bucket's expiry did. For the latter, a replay of the log range it names sends them again."""
    note = (
        "not sent: the batch file is gone (every line of a purged listing, or expired); "
        f"replay log entries {batch.first_log_sequence}-{batch.last_log_sequence} if expired"
    )
    return Attempt(at=now, status=0, latency_ms=0, response_excerpt=note)
