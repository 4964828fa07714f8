"""Re-driving dead deliveries: each reopened and queued again, rebuilt from the change the
log holds, the longest dead first, a chunk at a time within an API request's time — for the
operator's re-drive, and for what resume, verify and enable send (``Resending``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from gateway.delivery.planning import Delivery
from gateway.delivery.ports import (
    AgreementStore,
    DeliveryQueue,
    DeliveryRecords,
    SubscriptionStore,
)
from gateway.delivery.rebuilding import FromTheLog
from gateway.delivery.records import NotSent
from gateway.delivery.subscription import GONE, Kind, Subscription, declined, never_declined
from gateway.recognition import Agreement
from gateway_client.contract import Clock, NotFound

REDRIVE_LIMIT = 10_000  # dead deliveries a re-drive of "all" reopens at most a call
REDRIVE_CHUNK = 100  # reopened, then queued, together
REDRIVE_SECONDS = timedelta(seconds=15)
"""How long one call goes on re-driving, its reads of what is dead included: an API request
has 29 s, and the reply takes its share."""
DEAD_READ_SECONDS = timedelta(seconds=8)  # of those, for reading which deliveries are dead
RELEASED_SECONDS, RELEASED_READ_SECONDS = timedelta(seconds=5), timedelta(seconds=2)
"""The same for a delivery's own sweep after a release (``released``): it runs inside one of
up to ten message groups of a delivery invocation, whose other messages wait for it."""

_RESUMABLE: frozenset[NotSent] = frozenset({"pending", "paused", "unsigned"})


Chosen = Callable[[dict[str, Any]], bool]
"""Which dead deliveries (views with ``attempts`` and ``type``) to re-drive."""
Declinable = datetime | bool
"""Which of the dead deliveries an enable may decline a read looks at
(``DeliveryRecords.dead``): none of them is ever ``_parked``, nor of a kind never declined."""


def _parked(view: dict[str, Any]) -> bool:
    """Not sent until it was verified, resumed or could be signed."""
    return view["attempts"][-1].get("not_sent") in _RESUMABLE


def _kind(view: dict[str, Any]) -> Kind:
    return view.get("type"), view.get("change_type")


def _missed_by(subscription: Subscription | None) -> Chosen:
    """Held back while the endpoint was off (or parked, never tried), or the answer (410
    Gone) that turned it off — unless its owner declined what it missed then (``declined``)."""

    def missed(view: dict[str, Any]) -> bool:
        if _parked(view):
            return True
        attempt = view["attempts"][-1]
        off = attempt.get("not_sent") == "disabled" or attempt.get("status") == GONE
        at = attempt.get("at")
        return off and not (
            subscription is not None
            and at is not None
            and declined(subscription, datetime.fromisoformat(str(at)), _kind(view))
        )

    return missed


def _undeclined_by(subscription: Subscription | None) -> Declinable:
    """What ``_missed_by`` may choose of the declinable: what was held back after the last
    decline (all, when none was made); what it declined is not read through again."""
    at = None if subscription is None else subscription.missed_declined_at
    return True if at is None else at


class Redriving:
    """What ``Resending`` re-drives with (its stores, set by its constructor)."""

    deliveries: DeliveryRecords
    subscriptions: SubscriptionStore
    from_log: FromTheLog
    agreements: AgreementStore
    queue: DeliveryQueue
    token: Callable[[], str]
    clock: Clock

    def redrive(
        self,
        subscription_id: str,
        delivery_ids: list[str] | None = None,
        started: datetime | None = None,
    ) -> int:
        """Reopen dead deliveries (all, or the ones named) and queue them again, each rebuilt
        from the change the log holds (the delivery log keeps no listing); how many.

        ``REDRIVE_CHUNK`` at a time, each reopened then queued, for at most
        ``REDRIVE_SECONDS`` from ``started`` (the call's start: reading which are dead takes
        its share): an API request has 29 s, and a re-drive costs a few reads and a write per
        delivery (about 40 ms each on the local stack), so ten thousand in one go would be cut
        off, leaving deliveries reopened that nothing ever queues. What is left stays dead, the
        longest dead first, for the next call."""
        started = started or self.clock.now()
        if delivery_ids is None:
            delivery_ids = self._dead(subscription_id, lambda _: True, started, True)
        else:
            delivery_ids = self._all_kept(subscription_id, delivery_ids)
        return self._redriven(subscription_id, delivery_ids, started, REDRIVE_SECONDS)[0]

    def _all_kept(self, subscription_id: str, delivery_ids: list[str]) -> list[str]:
        """The named ids once each, logged changes in log order and restatements after them as
        named: each chunk is sorted so, but ids named newest first (as ``?state=dead`` lists
        them) across chunks sent a subject's newer change before its older (review 342).

        404 at the first named id that is no delivery of the subscription (a typo, another
        subscription's), before any is reopened: it was skipped, answered ``redriven: 0``
        (review 177)."""
        logged: dict[str, int | None] = {}
        for index, delivery_id in enumerate(delivery_ids):
            kept = self.deliveries.kept(delivery_id)
            if kept is None or kept.subscription_id != subscription_id:
                raise NotFound(
                    f"no delivery {delivery_id} of subscription {subscription_id}",
                    path=f"delivery_ids.{index}",
                )
            logged[delivery_id] = kept.log_sequence
        return sorted(logged, key=lambda i: (logged[i] is None, logged[i] or 0))

    def _redriven(
        self, subscription_id: str, delivery_ids: list[str], started: datetime, within: timedelta
    ) -> tuple[int, bool]:
        """``redrive``'s chunks: how many were queued, and whether every id was come to
        (False: the time ran out first)."""
        agreements = self.agreements.all()
        queued = 0
        for first in range(0, len(delivery_ids), REDRIVE_CHUNK):
            chunk = delivery_ids[first : first + REDRIVE_CHUNK]
            queued += self._redrive_chunk(subscription_id, chunk, agreements)
            if first + REDRIVE_CHUNK < len(delivery_ids) and self.clock.now() - started >= within:
                return queued, False
        return queued, True

    def _redrive_chunk(
        self, subscription_id: str, delivery_ids: list[str], agreements: list[Agreement]
    ) -> int:
        rebuilt: list[Delivery] = []
        for i in delivery_ids:
            kept = self.deliveries.kept(i)
            if kept is not None and kept.subscription_id != subscription_id:
                continue  # never reopen another subscription's delivery
            again = None if kept is None else self.from_log.rebuilt(kept)
            if again is not None and self.from_log.stands(again, agreements):
                rebuilt.append(again)
            else:  # never to be sent again: no longer among what is read as dead (review 324)
                self.deliveries.set_aside(i, subscription_id)
        shown = self.from_log.shown_now(rebuilt, agreements)
        reopened = [d for d in shown if self.deliveries.reopen(d.record_key)]
        # logged changes in log order, then restatements as they were made
        reopened.sort(
            key=lambda d: (d.log_sequence is None, d.log_sequence or 0, d.change.occurred_at)
        )
        try:
            self.queue.enqueue(reopened, f":redrive:{self.token()}")
        except Exception:
            # Dead again, so the re-drive asked again finds them: reopened and not queued,
            # nothing would ever send or list them as dead.
            for delivery in reopened:
                self.deliveries.reclose(delivery.record_key)
            raise
        return len(reopened)

    def redrive_parked(self, subscription: Subscription) -> int:
        """Queue again what was parked until it was verified or resumed (its last attempt was
        not sent for that), and nothing else: dead letters of failed attempts, and what a
        disabled endpoint missed, are re-driven by the operator or by ``enable``."""
        return self._redrive_dead(subscription.subscription_id, _parked, False)

    def redrive_missed(self, subscription: Subscription) -> int:
        """Queue again what an endpoint missed while it was off: held back for that, parked
        (never tried), or the attempt whose 410 answer turned it off."""
        return self._redrive_dead(
            subscription.subscription_id, _missed_by(subscription), _undeclined_by(subscription)
        )

    def redrive_undeclined(self, subscription: Subscription) -> int:
        """What an ``enable`` that declined what the endpoint missed still sends: what it
        missed that is never declined (``never_declined``)."""
        missed = _missed_by(subscription)
        return self._redrive_dead(
            subscription.subscription_id,
            lambda view: never_declined(_kind(view)) and missed(view),
            False,
        )

    def redrive_held(self, subscription: Subscription) -> int:
        """What resume and verify send: what was parked, and what it missed while it was off
        if that is still owed (``Subscription.missed_owed``)."""
        if subscription.missed_owed:
            return self.redrive_owed(subscription)
        return self.redrive_parked(subscription)

    def redrive_owed(self, subscription: Subscription) -> int:
        """``redrive_missed``, and no longer owed once one call has read every missed delivery
        and queued them all (else the next call goes on with the rest)."""
        started, subscription_id = self.clock.now(), subscription.subscription_id
        missed = _missed_by(subscription)
        ids, read_all = self._dead_read(
            subscription_id, missed, _undeclined_by(subscription), started, DEAD_READ_SECONDS, 1
        )
        queued, finished = (
            self._redriven(subscription_id, ids, started, REDRIVE_SECONDS) if ids else (0, True)
        )  # none left: no agreements read for nothing, as ``_redrive_dead``
        if read_all and finished:
            self.subscriptions.update(
                subscription_id,
                lambda current: (
                    current.model_copy(update={"missed_owed": False})
                    if current.missed_owed
                    else None
                ),
            )
        return queued

    def released(self, subscription_id: str, held: list[str], why: NotSent) -> bool:
        """The sweep resume, verify or enable made (``why`` the delivery was held back for),
        made again by a delivery held back while it ran (``DeliveryService._hold_back``): it
        may have swept before ``held`` were recorded dead, which are named, as the index may
        not list them yet. Each is queued in log order, behind whatever is queued already.
        False when cut short — what is dead not all read (an older change of a subject may be
        left: nothing is queued ahead of it) or the time run out — ``held`` perhaps queued,
        perhaps still dead (``HeldBack.sweep`` looks)."""
        started = self.clock.now()
        subscription = self.subscriptions.get(subscription_id) if why == "disabled" else None
        chosen, declinable = (
            (_missed_by(subscription), _undeclined_by(subscription))
            if why == "disabled"
            else (_parked, False)
        )
        ids, read_all = self._dead_read(
            subscription_id, chosen, declinable, started, RELEASED_READ_SECONDS, 1
        )
        if not read_all:  # an older change of a subject may be unread: none queued ahead of it
            return False
        ids += [i for i in held if i not in ids]
        return self._redriven(subscription_id, ids, started, RELEASED_SECONDS)[1]

    def _redrive_dead(self, subscription_id: str, chosen: Chosen, declinable: Declinable) -> int:
        """Re-drive the dead deliveries whose last attempt is ``chosen`` (of the declinable,
        only those ``declinable`` reads)."""
        started = self.clock.now()
        ids = self._dead(subscription_id, chosen, started, declinable)
        return self.redrive(subscription_id, ids, started) if ids else 0

    def _dead(
        self,
        subscription_id: str,
        chosen: Chosen,
        started: datetime,
        declinable: Declinable,
    ) -> list[str]:
        """The ids of the first ``REDRIVE_LIMIT`` dead deliveries whose last attempt is
        ``chosen``, the longest dead first, read for up to ``DEAD_READ_SECONDS``: what one call
        leaves goes out after them, so each subject's changes keep their order over several
        calls. (Weeks of dead letters of failed attempts, older than anything parked, are read
        past as far as that time reaches: thousands a second.)"""
        return self._dead_read(subscription_id, chosen, declinable, started, DEAD_READ_SECONDS, 0)[
            0
        ]

    def _dead_read(
        self,
        subscription_id: str,
        chosen: Chosen,
        declinable: Declinable,
        started: datetime,
        read_for: timedelta,
        beyond: int,
    ) -> tuple[list[str], bool]:
        """``_dead``'s ids, read for ``read_for``, and whether every dead delivery was read
        (none left unread behind the time or the limit: to know that, ``beyond`` 1 reads one
        past the limit; 0 stops at it, as a re-drive that only wants the ids does)."""
        cut: list[bool] = []

        def out_of_time() -> bool:
            if not cut and self.clock.now() - started >= read_for:
                cut.append(True)
            return bool(cut)

        dead = self.deliveries.dead(subscription_id, out_of_time, declinable)
        picked = (d["delivery_id"] for d in dead if d.get("attempts") and chosen(d))
        ids = list(itertools.islice(picked, REDRIVE_LIMIT + beyond))
        return ids[:REDRIVE_LIMIT], not cut and len(ids) <= REDRIVE_LIMIT
