"""What the delivery log keeps to send a delivery again, and how the delivery is rebuilt.

A delivery record is for diagnosing a delivery, not a second copy of the listing: it keeps ids,
routing and the subscriber's recognition (no personal data), and a re-drive takes the change
back from the exchange log, where retention erases it with the listing. A delivery of an erased
change is not rebuilt: its listing's tombstone went to the subscriber on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date

from pydantic import AwareDatetime

from gateway.assembly import copied
from gateway.delivery.notice_standing import Acting, notice_stands, notices
from gateway.delivery.planning import Delivery, for_subscriber
from gateway.delivery.restatement_standing import SubjectCode, judged_when_sent, stands_today
from gateway.lifecycle import as_on
from gateway.ports import ListingStore
from gateway.recognition import Agreement, remembered
from gateway_client.contract import (
    Change,
    ChangeType,
    Clock,
    EventType,
    Frozen,
    Intensified,
    Listing,
    LogEntry,
    Recognition,
    change_id,
    china_date,
    masked,
)


class Resend(Frozen):
    """Everything of a delivery but its change, which the log holds under ``log_sequence``;
    or, for a restatement (no log entry of its own), as the change of the listing version it
    restated (``restates``, ``restated_version``), which it re-sent at ``restated_at``."""

    delivery_id: str
    subscription_id: str
    type: EventType
    change_id: str
    change_type: ChangeType
    log_sequence: int | None = None
    sequence: int | None = None
    recognition: Recognition
    intensified: bool | None = None  # a subject.intensified event: the flag and its domains
    intensified_domains: tuple[str, ...] = ()
    replay: bool = False
    record_id: str | None = None  # a replay's record of its own
    restates: str | None = None  # a listing id
    restated_version: str | None = None
    restated_at: AwareDatetime | None = None


def resend_of(delivery: Delivery) -> Resend:
    flag = delivery.intensified
    restating = delivery.change.type is ChangeType.RECOGNITION
    return Resend(
        delivery_id=delivery.delivery_id,
        subscription_id=delivery.subscription_id,
        type=delivery.type,
        change_id=delivery.change.change_id,
        change_type=delivery.change.type,
        log_sequence=delivery.log_sequence,
        sequence=delivery.sequence,
        recognition=delivery.recognition,
        intensified=None if flag is None else flag.intensified,
        intensified_domains=() if flag is None else flag.domains,
        replay=delivery.replay,
        record_id=delivery.record_id,
        restates=delivery.change.listing.listing_id if restating else None,
        restated_version=delivery.change.listing.version if restating else None,
        restated_at=delivery.change.occurred_at if restating else None,
    )


def restatement(kept: Resend, logged: Change) -> Change | None:
    """The restated change ``kept`` carried, from the ``logged`` change of the version it
    restated (``contract.restated``, whose cause its id holds); ``None``: ``kept`` restated
    nothing, or another listing or version."""
    listing = logged.listing
    if (
        kept.restated_at is None
        or (listing.listing_id, listing.version) != (kept.restates, kept.restated_version)
        or logged.change_id != change_id(listing)
    ):
        return None
    return Change(
        change_id=kept.change_id,
        type=ChangeType.RECOGNITION,
        listing=listing,
        previous_version=listing.version,
        previous_status=listing.status,
        occurred_at=kept.restated_at,
    )


def rebuild(kept: Resend, change: Change) -> Delivery | None:
    """The delivery as it was first sent, from the logged ``change``: masked again unless the
    subscriber recognised the listing, as fan-out did. ``None`` if it is another change."""
    if change.change_id != kept.change_id:
        return None
    shown = for_subscriber(change, kept.recognition)
    flag = None
    if kept.intensified is not None:
        flag = Intensified(
            credit_code=shown.listing.credit_code,
            intensified=kept.intensified,
            domains=kept.intensified_domains,
        )
    return Delivery(
        delivery_id=kept.delivery_id,
        subscription_id=kept.subscription_id,
        type=kept.type,
        change=shown,
        recognition=kept.recognition,
        intensified=flag,
        log_sequence=kept.log_sequence,
        sequence=kept.sequence,
        # a replay's record of its own, or, from the release before, its original's record
        replay=kept.replay and kept.record_id is not None,
        record_id=kept.record_id,
    )


class Erased(Frozen):
    """Where a change's body was, after retention erased its listing: the chain keeps the
    entry and its digest; ``tombstone`` is the change id of the purge a replay sends instead."""

    tombstone: str


def replayable(
    logged: Iterable[tuple[LogEntry, Change | Erased]],
    tombstone_at: Callable[[str], tuple[int, Change] | None],
) -> Iterator[tuple[int, Change]]:
    """(log sequence, change) for each logged change a replay may send, in order: an erased
    body is replaced by its purge's tombstone (``tombstone_at(change_id)``: where it is logged,
    and what), once per replay, so a purged listing's content never leaves the gateway again;
    while the tombstone is not logged yet, nothing is sent in its place."""
    sent: set[str] = set()
    for entry, body in logged:
        if isinstance(body, Change):
            if body.change_id not in sent:
                sent.add(body.change_id)
                yield entry.sequence, body
        elif body.tombstone not in sent:
            found = tombstone_at(body.tombstone)
            if found is not None:
                sent.add(body.tombstone)
                yield found


def shown_now(
    deliveries: list[Delivery], agreements: Sequence[Agreement], listings: ListingStore, today: date
) -> list[Delivery]:
    """Each delivery with ID numbers in full only where its region recognises the listing as it
    stands today (``shown_today``): one read of the listings planned in full, none otherwise."""
    full = {
        d.change.listing.listing_id: d.change.listing.credit_code for d in deliveries if in_full(d)
    }
    if not full:
        return deliveries
    held = listings.current([(code, i) for i, code in full.items()])
    # as the tick will have it today: a period that ended at midnight has ended, tick or not
    # (review 295: a retry after midnight showed an ended listing's person in full)
    now = {i: as_on(x, today) for i, x in held.items()}
    return [
        shown_today(d, agreements, today, now.get(d.change.listing.listing_id)) if in_full(d) else d
        for d in deliveries
    ]


def in_full(delivery: Delivery) -> bool:
    """Planned with ID numbers in full, for a region whose recognition may have ended since:
    not a tombstone (it holds none), nor an objection's notice to the listing's owner, who
    sees its own listing whole, the objection's reason too, ended or not (it must decide)."""
    return (
        delivery.recognition.recognised
        and delivery.change.type is not ChangeType.PURGED
        and delivery.type != "objection.filed"
    )


class RecognitionToday:
    """``shown_now`` for each attempt of a delivery (``gateway.delivery.withholding``), a
    restatement left out where it no longer stands (``restatement_standing``): the agreements
    are read only when a delivery shows ID numbers in full or restates, once per round of
    attempts (``renew``: each delivery invocation starts one), so an agreement ended before
    the round is honoured by every attempt in it."""

    def __init__(
        self,
        agreements: Callable[[], Sequence[Agreement]],
        listings: ListingStore,
        clock: Clock,
        code_of: SubjectCode,
        acting: Acting | None = None,
    ) -> None:
        self._agreements = agreements
        self._listings = listings
        self._clock = clock
        self._code_of = code_of  # a masked listing's subject (``restatement_standing``)
        self._acting = acting  # who acts for an objection notice's owner (``notice_standing``)
        self._read: Sequence[Agreement] | None = None
        self._lock = threading.Lock()  # attempts run on several threads

    def renew(self) -> None:
        """A new round: the agreements are read again when next needed."""
        with self._lock:
            self._read = None

    def __call__(self, deliveries: list[Delivery]) -> list[Delivery]:
        deliveries = [
            d
            for d in deliveries
            if not notices(d) or notice_stands(d, self._listings, self._acting)
        ]
        if not any(in_full(d) or judged_when_sent(d) for d in deliveries):
            return deliveries
        with self._lock:
            if self._read is None:
                self._read = tuple(self._agreements())
            agreements = self._read
        today = china_date(self._clock.now())
        standing = [
            d
            for d in deliveries
            if stands_today(d, agreements, self._listings, today, self._code_of)
        ]
        return shown_now(standing, agreements, self._listings, today)


def shown_today(
    delivery: Delivery, agreements: Sequence[Agreement], today: date, current: Listing | None
) -> Delivery:
    """A delivery sent again (replayed, re-driven) carries the recognition it was first sent
    with, but shows ID numbers in full only if its region recognises the listing as it stands
    ``current``ly, today: one whose agreement has ended, or which has ended itself, since is
    sent it masked (reviews 36, 37 — a subscription whose filters were widened since would get
    a number it was never sent). ``current`` None: the listing is no longer held."""
    if not delivery.recognition.recognised:
        return delivery  # masked already
    region = delivery.recognition.subscriber_region
    if current is not None and remembered(agreements).of(current, region, today).recognised:
        return delivery
    listing = masked(delivery.change.listing)
    flag = delivery.intensified  # a subject.intensified event names the subject's code too
    return copied(
        delivery,
        {
            "change": copied(delivery.change, {"listing": listing}),
            "intensified": flag and copied(flag, {"credit_code": listing.credit_code}),
        },
    )
