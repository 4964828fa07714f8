"""Content queued before its listing's purge is never posted after it.

A message waits in the queue for up to its retry window (a backlog, a replay, a retry), and the
purge may run meanwhile: the queued delivery still carries the listing whole, the person's ID
number with it. So before a single delivery of content is posted, whether its listing was
erased is read — with the subscription, which sending reads anyway — and if it was, the delivery
is settled dead without being sent: never retried, never dead-lettered, never resumed, and never
rebuilt by a re-drive (``gateway.delivery.resending``). The purge's tombstone, logged after the
content, follows in order. An attempt under way when the purge began is recorded, then its
answer blanked if the mark is found after the write (``answers_outlived``). A batch needs no
read: fan-out takes erased lines out of its file (``gateway.delivery.Batcher``,
``chalicelib.erasure``).

Nor is a person's ID number posted in full once its subscriber's region no longer recognises
the listing: a delivery queued while it did (an agreement in force) and still being retried
when the agreement ended is masked at the attempt (``recognition_read``), as a replay is
(``redelivery.shown_today``; review 46f). A batch file's lines are masked likewise before it is
announced (``batch_sending.file_lines``).

Nor is an objection's notice posted once its objection no longer awaits it, or to a region no
longer acting for the owner (``notice_standing``); nor a restatement (``recognition.changed``)
once it no longer says what its region recognises today, of the version still stored, nor a
subject's flag once a later flip superseded it (``restatement_standing``): it is settled dead,
``superseded``, as an erased delivery is, and a re-drive leaves it dead too (reviews 295, 300).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import datetime

from gateway.delivery.batching import Batch
from gateway.delivery.notice_standing import notices
from gateway.delivery.planning import Delivery
from gateway.delivery.records import Attempt
from gateway.delivery.redelivery import in_full
from gateway.delivery.restatement_standing import judged_when_sent
from gateway_client.contract import ChangeType

WITHHELD = "not sent: its listing was purged since it was queued (its tombstone follows)"
SUPERSEDED = (
    "not sent: the region's recognition of the listing changed again since this was queued "
    "(it is told as it stands now)"
)


def erasure_read(
    erased: Callable[[str], bool] | None, readers: Executor, delivery: Delivery | Batch
) -> Future[bool] | None:
    """Whether the listing of a single delivery's content was erased, being read (None: no
    read is needed — a tombstone, a batch — or no erasure is known to the service)."""
    if erased is None or isinstance(delivery, Batch):
        return None
    if delivery.change.type is ChangeType.PURGED:
        return None
    return readers.submit(erased, delivery.change.listing.listing_id)


def recognition_read(
    shown: Callable[[list[Delivery]], list[Delivery]] | None,
    readers: Executor,
    delivery: Delivery | Batch,
) -> Future[list[Delivery]] | None:
    """A single delivery as today's recognition shows it — none, a restatement no longer
    standing — being read (None: nothing to read — a batch, no recognition known to the
    service, or nothing to mask or judge: ``in_full``, ``judged_when_sent``)."""
    if shown is None or isinstance(delivery, Batch):
        return None
    if not (in_full(delivery) or judged_when_sent(delivery) or notices(delivery)):
        return None
    return readers.submit(shown, [delivery])


def answers_outlived(
    erased: Callable[[str], bool] | None, delivery: Delivery | Batch, attempt: Attempt
) -> bool:
    """Whether the answer a single delivery's attempt just recorded must be blanked again: the
    purge blanks its listing's records after marking it erased, and may have read them before
    this attempt was written; an attempt written after that read finds the mark (the answer
    may echo the person: a name is no pattern the scrubber knows)."""
    if erased is None or isinstance(delivery, Batch) or not attempt.response_excerpt:
        return False
    if delivery.change.type is ChangeType.PURGED:
        return False
    return erased(delivery.change.listing.listing_id)


def withheld(at: datetime) -> Attempt:
    """The attempt recorded instead of a post."""
    return Attempt(at=at, status=0, latency_ms=0, response_excerpt=WITHHELD, not_sent="erased")


def superseded(at: datetime) -> Attempt:
    """The attempt recorded instead of posting a restatement that no longer stands."""
    return Attempt(
        at=at, status=0, latency_ms=0, response_excerpt=SUPERSEDED, not_sent="superseded"
    )
