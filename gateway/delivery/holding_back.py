"""What a delivery held back does (its subscription paused, pending until verified, off, or
unsigned): kept as dead, so resuming, verifying or enabling delivers everything missed — and
what it does when that release happened while it was being recorded.

Why a module of its own: resume, verify and enable sweep what is parked once, and may sweep
before a delivery in flight records itself (or, on AWS, before its index entry is written),
leaving it dead on a live endpoint for good (review 109 F2). So the held delivery reads its
subscription again after the write and, released, sweeps again itself, naming itself (a
batch's lines), as the index may not list it yet: what is re-driven is queued in log order
behind what is queued already, as resume's sweep does, never ahead of an older change of the
subject (review 112 F1). A sweep cut short leaves a dead letter the alarm shows (reviews 114,
117, 118); one never made (the invocation died) is made when the message comes again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from gateway.delivery.batch_sending import file_lines
from gateway.delivery.batching import Batch
from gateway.delivery.endpoint_watch import held_back
from gateway.delivery.judging import Outcome
from gateway.delivery.planning import Delivery
from gateway.delivery.ports import BatchFiles, DeliveryLog, SubscriptionStore
from gateway.delivery.records import Attempt, DeliveryState, NotSent
from gateway.delivery.subscription import Kind, Subscription, declined
from gateway_client.contract import GatewaySigners

log = logging.getLogger("credit_gateway.delivery")

Released = Callable[[str, list[str], NotSent], bool]
"""Re-drive, for a subscription released while a delivery was held back, what it held back
then (its dead, parked or missed deliveries; these ids too): ``Redriving.released``; False
when it was cut short."""
Record = Callable[[Delivery | Batch, Attempt, DeliveryState, Sequence[Delivery] | None], None]
SWEEP_NEEDS_SECONDS = 20.0  # of the invocation, for that sweep (``Redriving.released``: 7 s)


class HeldBack:
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        log: DeliveryLog,
        signers: GatewaySigners,
        record: Record,
        released: Released | None,
        files: Callable[[], BatchFiles],
    ) -> None:
        self._subscriptions = subscriptions
        self._log = log
        self._signers = signers
        self._record = record  # as the delivery service records an attempt
        self._released = released
        self._files = files

    def hold(
        self,
        delivery: Delivery | Batch,
        held: tuple[NotSent, str],
        now: datetime,
        time_left: float | None,
    ) -> Outcome:
        """Record the delivery dead, not sent for ``held``'s reason; swept again if its
        subscription was released meanwhile."""
        why, note = held
        attempt = Attempt(at=now, status=0, latency_ms=0, response_excerpt=note, not_sent=why)
        lines: list[Delivery] = []
        if isinstance(delivery, Batch):  # its lines are recorded apart, as the file is now
            found = file_lines(self._files(), delivery)
            delivery, lines = found if found is not None else (delivery, [])
        self._record(delivery, attempt, DeliveryState.DEAD, lines)
        again = self._subscriptions.get(delivery.subscription_id) if self._released else None
        if again is not None and held_back(again, self._signers) is None:
            named = _undeclined(again, why, now, lines or [delivery])
            if not named:
                return Outcome(state=DeliveryState.DEAD, parked=True)
            return self.sweep(delivery, named, why, time_left)
        # Parked by choice or until verified: nothing for the dead-letter alarm.
        return Outcome(state=DeliveryState.DEAD, parked=why != "disabled")

    def came_again(
        self,
        delivery: Delivery | Batch,
        held: tuple[NotSent, datetime],
        subscription: Subscription | None,
        time_left: float | None,
    ) -> Outcome | None:
        """A held delivery's message came again (what recorded it died before its sweep, or
        its re-read failed): swept now if its subscription has been released since; None
        while it is still held back (a copy: nothing to do), or what its owner declined
        (``held``: why and when it was held back)."""
        if self._released is None or subscription is None:
            return None
        if held_back(subscription, self._signers) is not None:
            return None
        # a batch's lines have records of their own by now (its file gone), which the sweep
        # judges one by one (review 322: judged as the batch, its tombstones were declined)
        if isinstance(delivery, Delivery) and not _undeclined(subscription, *held, [delivery]):
            return None
        swept = self.sweep(delivery, [delivery.record_key], held[0], time_left)
        return replace(swept, region=subscription.region)

    def sweep(
        self,
        delivery: Delivery | Batch,
        named: list[str],
        why: NotSent,
        time_left: float | None,
    ) -> Outcome:
        """With too little of the invocation left for it, the message comes again (its record
        dead, held: ``came_again``). Cut short (throttled, out of time, an older dead delivery
        left unread) with what it held back still dead on a live endpoint, it is a dead letter
        the alarm shows and the operator re-drives in log order — never left unseen, nor
        retried here ahead of an older change; queued (by it or another sweep), nothing to
        alarm about."""
        if time_left is not None and time_left < SWEEP_NEEDS_SECONDS:
            return Outcome(state=DeliveryState.RETRYING, retry_after=timedelta(0))
        try:
            swept = (
                self._released(delivery.subscription_id, named, why) if self._released else False
            )
        except Exception:
            log.warning("a re-drive after a release failed", exc_info=True)
            swept = False
        # its progress, not ``state``: that answers for a single delivery's record only, not for
        # a replay's or a batch's (review 119 F1, F2)
        still_dead = (self._log.progress(i).state is DeliveryState.DEAD for i in named)
        if swept or not any(still_dead):
            return Outcome(state=DeliveryState.DEAD, parked=True)
        return Outcome(state=DeliveryState.DEAD)


def _undeclined(
    subscription: Subscription, why: NotSent, at: datetime, held: Sequence[Delivery | Batch]
) -> list[str]:
    """The record keys of ``held`` (a delivery, or a batch's lines) not declined by the
    ``enable`` that turned the endpoint back on, having been held back, at ``at``, while it
    was off: those stay dead (review 299). Judged line by line: a batch holding a purge's
    tombstone, which no enable declines, was declined whole (review 319)."""
    return [
        d.record_key
        for d in held
        if not (why == "disabled" and declined(subscription, at, _kind(d)))
    ]


def _kind(delivery: Delivery | Batch) -> Kind:
    change = delivery.change.type if isinstance(delivery, Delivery) else None
    return delivery.type, change
