"""What the delivery wing needs from storage and queues; ``chalicelib`` implements it on AWS."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from gateway.delivery.batching import Batch
from gateway.delivery.planning import Delivery
from gateway.delivery.records import Attempt, DeliveryState, HttpResponse, Progress
from gateway.delivery.redelivery import Erased, Resend
from gateway.delivery.subscription import Subscription
from gateway.recognition import Agreement
from gateway_client.contract import Change, LogEntry, Recognition


class SubscriptionStore(Protocol):
    def put(self, subscription: Subscription) -> None:
        """Store a subscription as given, pinned to nothing: what seeds a store (the bench, the
        tests' fixtures). The service makes one with ``create`` and changes it with ``update``
        or ``update_at``."""
        ...

    def get(self, subscription_id: str) -> Subscription | None: ...
    def all(self) -> list[Subscription]: ...
    def delete(self, subscription_id: str, by_key: str | None = None) -> None:
        """Gone for good; ``by_key``: the platform key that asked (None: the operator), noted
        for review at its revocation (``deleted_by``)."""
        ...

    def retired(self, region: str) -> set[str]:
        """The region's deleted subscriptions' ids (as many as are kept)."""
        ...

    def deleted_by(self, region: str, key_id: str) -> set[str]:
        """The region's subscriptions ``key_id`` deleted (as many as are kept)."""
        ...

    def was_deleted(self, subscription_id: str, region: str) -> bool:
        """Whether a subscription of this id was ever deleted (however many were)."""
        ...

    def update(
        self, subscription_id: str, change: Callable[[Subscription], Subscription | None]
    ) -> Subscription | None:
        """Apply ``change`` to the stored subscription as it is now and store the result only
        if nothing was written in between (else read and apply again): a slow delivery's health
        note never undoes an owner's change, nor brings back a deleted subscription. ``change``
        returns ``None`` to leave it as it is. The subscription as stored after; ``None`` when
        there is none."""
        ...

    def create(
        self, build: Callable[[int], Subscription], log_size: Callable[[], int]
    ) -> Subscription | None:
        """Store the subscription ``build`` makes for the exchange log's size (``log_size``,
        read again each round), written only while the log still holds that many entries: so
        its ``log_start`` is wholly before or after any append (``gateway.delivery.terms``).
        None, nothing written, when its id is stored already or among its region's retired."""
        ...

    def update_at(
        self,
        subscription_id: str,
        change: Callable[[Subscription, int], Subscription | None],
        log_size: Callable[[], int],
    ) -> Subscription | None:
        """As ``update``, with the exchange log's size given to ``change`` and the write made
        only while the log still holds that many entries (else both are read again): a
        ``terms_since`` it sets is wholly before or after any append."""
        ...


class DeliveryQueue(Protocol):
    def enqueue(
        self,
        deliveries: Iterable[Delivery | Batch],
        dedup_suffix: str = "",
        batched: Collection[str] | None = None,
    ) -> None:
        """In order per (subscription, subject), or per subscription for a batched one
        (``batched``: their ids as the caller read them; else read now); the delivery id
        deduplicates, unless ``dedup_suffix`` marks a replay or re-drive sent again on
        purpose."""
        ...


class DeliveryRecords(Protocol):
    def dead(
        self,
        subscription_id: str,
        out_of_time: Callable[[], bool],
        declinable_after: datetime | bool = True,
    ) -> Iterator[dict[str, Any]]:
        """The subscription's dead deliveries (views with ``delivery_id``, ``attempts``, the
        event ``type`` and the ``change_type`` it carried), the longest dead first, read as
        they are asked for until ``out_of_time``: a re-drive over several calls then sends
        each subject's changes in the order they were attempted, the oldest in the first
        call. Of those an enable may decline (``declinable``): all (True), none (False), or
        those whose last attempt was at or after the given time (what was declined up to it
        is not read through); a store may hand more, never fewer."""
        ...

    def kept(self, delivery_id: str) -> Resend | None:
        """What a re-drive rebuilds the delivery from."""
        ...

    def kept_many(self, delivery_ids: Sequence[str]) -> dict[str, Resend]:
        """``kept`` of each of ``delivery_ids`` that has a record (a replay's originals)."""
        ...

    def lines_sent(self, subscription_id: str, first: int, last: int) -> dict[str, Recognition]:
        """The recognition each line of the subscription's delivered batches was sent with, by
        delivery id, for log sequences ``first`` to ``last`` (lines have no record of their
        own: a replay's originals that were lines)."""
        ...

    def reopen(self, delivery_id: str) -> bool:
        """A dead delivery back to ``retrying``; False unless it was dead."""
        ...

    def reclose(self, delivery_id: str) -> bool:
        """A delivery reopened for a re-drive that could not be queued, dead again (unless
        an attempt was made meanwhile); whether it was."""
        ...

    def set_aside(self, delivery_id: str, subscription_id: str) -> None:
        """A dead delivery of the subscription that a re-drive can never send again (its
        change erased or not kept, a restatement or notice no longer standing): still dead
        and listed, but no longer among what reads of the dead read, where it took their
        time and ``REDRIVE_LIMIT`` at every call (review 324)."""
        ...


class AgreementStore(Protocol):
    def get(self, agreement_id: str) -> Agreement | None: ...
    def all(self) -> list[Agreement]: ...
    def put(self, agreement: Agreement) -> None: ...


class ExchangeLog(Protocol):
    def size(self) -> int:
        """How many entries the log holds (the last entry's sequence)."""
        ...

    def published_size(self) -> int:
        """How many of them a signed checkpoint covers: what may be sent again."""
        ...

    def append(self, changes: Sequence[Change]) -> dict[str, int]:
        """Log the changes not logged yet, in order; every change's sequence number."""
        ...

    def allocate(self, subscription_id: str, count: int) -> int:
        """Reserve ``count`` per-subscription sequence numbers; the first of them."""
        ...

    def entries(self, start: int, limit: int) -> list[tuple[LogEntry, Change | Erased]]:
        """Entries ``start`` … ``start + limit - 1`` that exist, in order, with their changes
        (or, where retention erased one, the tombstone that replaced it)."""
        ...

    def sequence_of(self, change_id: str) -> int | None:
        """Where ``change_id`` is logged, if it is; asked of a purge's change (the tombstone a
        replay sends for an erased body), which a store must find by its id alone."""
        ...

    def sequences_of(self, listing_id: str) -> list[int]:
        """Where the listing's changes are logged, in order (a restatement is rebuilt from
        the version's)."""
        ...


class EndpointVerifier(Protocol):
    def verify(self, subscription: Subscription) -> Subscription:
        """The subscription after one URL-verification challenge: verified or still pending."""
        ...


class WebhookTransport(Protocol):
    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        """POST without following redirects; connection failures come back as status 0."""
        ...


class DeliveryLog(Protocol):
    def state(self, delivery_id: str) -> DeliveryState | None: ...

    def progress(self, delivery_id: str) -> Progress: ...

    def begin(self, delivery_id: str, at: datetime) -> None:
        """Note an attempt under way, before it is sent, when it may be cut off (``record``
        clears the note; ``sending._may_be_cut_off`` says when)."""
        ...

    def record(
        self,
        delivery: Delivery | Batch,
        attempt: Attempt,
        state: DeliveryState,
        logs: Sequence[int] = (),
    ) -> None:
        """Append the attempt; a delivery once ``delivered`` never goes back. A batch's
        record keeps its own attempts (each line of a dead batch gets a record of its own);
        ``logs``: a retried batch's lines' log sequences, which its lines are owed by."""
        ...

    def forget_answers(self, delivery_id: str) -> None:
        """Blank the endpoint answers the delivery's record keeps (its listing's purge began
        while an attempt was being recorded: ``gateway.delivery.withholding``)."""
        ...

    def delivered_batch(self, batch: Batch, attempt: Attempt, lines: Sequence[Delivery]) -> None:
        """Settle ``batch`` delivered by ``attempt`` in one write that holds its ``lines``
        (ids, listing, change, masked code, origin, sequences: never a full ID number), and
        count them delivered once; a batch once delivered never goes back. Called again for
        a batch delivered already, it finishes what the first call may have left (its count,
        dead records of an earlier settle cut short), as ``finish_batch`` does."""
        ...

    def mark_lines_dead(self, batch: Batch) -> bool:
        """Note, before a dead batch's lines get records of their own, that they may have:
        should the batch be delivered after all (its dead settle cut short), those records
        are cleared. False if the batch is delivered already (its lines are not dead)."""
        ...

    def sent_in_batches(self, subscription_id: str, first: int, last: int) -> set[str]:
        """The delivery ids of the lines, with log sequences ``first`` to ``last``, of the
        subscription's delivered batches (lines have no record of their own)."""
        ...

    def delivered_singly(self, delivery_ids: Sequence[str]) -> set[str]:
        """Those of ``delivery_ids`` whose own record says delivered."""
        ...

    def drop_line_record(self, delivery_id: str) -> None:
        """Take away the record of its own (dead, or retrying once re-driven) of a line that
        went in another delivered batch, which holds and counts it."""
        ...

    def finish_batch(self, batch_id: str) -> None:
        """For a batch found delivered (a copy of its message came again): finish what
        settling it delivered may have left undone; nothing if it was all done."""
        ...


class BatchFiles(Protocol):
    """Batched delivery's files (``gateway.delivery.batching``), in the gateway's bucket."""

    def write(self, key: str, body: bytes) -> bytes:
        """Write once; the bytes stored under ``key`` (those of an earlier write, if any)."""
        ...

    def read(self, key: str) -> bytes | None:
        """The file; ``None`` once it is gone (settled, emptied by a purge, or expired)."""
        ...

    def link(self, key: str, expires: timedelta) -> str | None:
        """A presigned GET valid for ``expires``; ``None`` if the file is gone."""
        ...

    def remove(self, key: str) -> None:
        """Delete the file (settled: delivered, or dead with its lines recorded)."""
        ...

    def without(self, key: str, listing_ids: Collection[str]) -> bytes | None:
        """Take the lines of ``listing_ids`` out of the file (``batching.without``), no copy
        of them kept; the bytes now stored, ``None`` if no line is left (the file is gone)."""
        ...

    def rewritten(self, key: str, rewrite: Callable[[bytes], bytes]) -> bytes | None:
        """The file replaced by ``rewrite`` of what it holds (no copy of the old one kept), as
        one change of the bytes read; the bytes now stored, ``None`` if it is gone."""
        ...


class Receipts(Protocol):
    def subscriptions_that_received(
        self, listing_id: str, among: Collection[str] | None = None
    ) -> set[str]:
        """The subscriptions that were delivered the listing (a 2xx), at any version, singly
        or in a batch, or hold a single delivery of it still to come (retrying, parked, dead:
        ``OwedReceipts``); ``among``: only these need answering (``None``: every one)."""
        ...


class Acknowledgements(Protocol):
    def acknowledged(self, delivery: Delivery, at: datetime) -> None:
        """The endpoint acknowledged ``delivery`` at ``at`` (before the delivery log says so:
        should this fail, the delivery is tried again and acknowledged again)."""
        ...

    def acknowledged_lines(self, lines: Sequence[Delivery], at: datetime) -> None:
        """A delivered batch's lines, each acknowledged as its single delivery would be (what
        they share is read once: review 153)."""
        ...
