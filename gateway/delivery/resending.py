"""Sending again what a subscriber missed: a replay of the exchange log, a re-drive of dead
deliveries, an endpoint enabled or verified again.

Everything sent again keeps its webhook id, so a receiver that has it already drops the copy,
and goes out oldest first, so each subject's changes arrive in their order. A change whose
listing retention purged is never sent again: its tombstone goes instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.delivery.endpoint_watch import sendable
from gateway.delivery.notice_standing import Acting
from gateway.delivery.objection_notices import formerly_matched
from gateway.delivery.planning import (
    Delivery,
    delivery_id,
    plan_deliveries,
    replay_record_id,
    stamped,
)
from gateway.delivery.ports import (
    AgreementStore,
    DeliveryQueue,
    DeliveryRecords,
    EndpointVerifier,
    ExchangeLog,
    SubscriptionStore,
)
from gateway.delivery.rebuilding import FromTheLog
from gateway.delivery.redelivery import Resend, rebuild, replayable
from gateway.delivery.redriving import Redriving
from gateway.delivery.subscription import Subscription, check_signable
from gateway.delivery.terms import Copies, terms_at
from gateway.ports import ListingStore
from gateway.recognition import Agreement
from gateway_client.contract import (
    BadRequest,
    Change,
    Clock,
    Listing,
    Recognition,
    SubscriptionDisabled,
    SubscriptionPaused,
    SubscriptionPending,
)

LOG_PAGE = 100  # entries read from the log at a time
REPLAY_SPAN = 5_000
"""Log entries one replay request goes through at most: read, planned and queued inside one
API request's time (29 s) and memory, whatever range is asked; the rest is the next request's
(``Replayed.next_from``), so a replay of a national log is paged, never cut off halfway."""


@dataclass(frozen=True)
class Replayed:
    from_sequence: int
    to_sequence: int
    queued: int
    next_from: int | None = None  # where the range asked goes on; None: it is done


class StartPastHead(BadRequest):
    """A replay from after the log's signed head: nothing there can be sent, and a 202 that
    queued none would read as a replay done. Entries logged since the last checkpoint are
    replayable once one covers them."""

    code = "out_of_range"
    default_path = "from_sequence"


def _declining(current: Subscription, redeliver_missed: bool, now: datetime) -> dict[str, Any]:
    """What ``enable`` told not to redeliver declines: what was missed up to now, when
    something was (it was off, or still owed what it missed)."""
    if redeliver_missed or (current.enabled and not current.missed_owed):
        return {}
    return {"missed_declined_at": now}


def _enabled(current: Subscription) -> Subscription:
    return current.model_copy(
        update={
            "enabled": True,
            "failing_since": None,
            "batches_failing_since": None,
            "batches_failed_at": None,
            "warned_at": None,
            "disabled_reason": None,
        }
    )


class Resending(Redriving):
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        deliveries: DeliveryRecords,
        log: ExchangeLog,
        agreements: AgreementStore,
        queue: DeliveryQueue,
        verifier: EndpointVerifier,
        token: Callable[[], str] = lambda: secrets.token_hex(6),
        *,
        listings: ListingStore,
        clock: Clock,
        sm2_signing: bool,
        acting: Acting | None = None,
    ) -> None:
        """``sm2_signing``: whether the gateway holds an SM2 key (a v1sm2 endpoint's deliveries
        wait ``unsigned`` without one); ``acting``: who acts for a notice's owner now."""
        self.sm2_signing = sm2_signing
        self.from_log = FromTheLog(log, agreements, listings, clock, acting)
        self.subscriptions = subscriptions
        self.deliveries = deliveries
        self.log = log
        self.agreements = agreements
        self.queue = queue
        self.verifier = verifier
        self.token = token
        self.clock = clock

    def replay(
        self,
        subscription: Subscription,
        start: int,
        end: int | None,
        admitted: Callable[[], None] = lambda: None,
    ) -> Replayed:
        """Every change logged from ``start`` (through ``end``, else the head) again that the
        subscription's terms match now (a widened filter's back catalogue) or matched when it
        was logged (owed then, as ``gateway verify-log`` judges: ``gateway.delivery.terms``).

        A subscription is owed only what was logged after it subscribed (``log_start``), and
        nothing reaches an endpoint that never proved it wants it (409 while pending). Nor is
        a replay taken while the subscription is paused or disabled (409): a 202 would promise
        what waits for resume or enable, nor (400) while the gateway holds no key for its
        scheme (review 342). Each replayed delivery is recorded apart from its
        original (``replay_record_id``): held back, retried or dead as itself, where resume,
        verify, enable and re-drive look, whatever became of the original. At most
        ``REPLAY_SPAN`` entries a call."""
        sid = subscription.subscription_id
        if subscription.pending:
            raise SubscriptionPending(
                f"subscription {sid} has not verified its endpoint: "
                f"{subscription.verification_failure}; POST …/verify first",
                path="subscription_id",
            )
        if subscription.paused_at is not None:
            raise SubscriptionPaused(f"subscription {sid} is paused; POST …/resume first")
        if not subscription.enabled:
            raise SubscriptionDisabled(
                f"subscription {sid} is disabled ({subscription.disabled_reason}); "
                "POST …/enable first"
            )
        # nor while the gateway holds no key for its scheme: all of it would be held unsigned
        check_signable(subscription.signature_scheme, sm2_signing=self.sm2_signing)
        head = self.log.published_size()  # every delivery under a signed checkpoint
        # read again after the head: any change of terms up to it is in (``terms``)
        subscription = self.subscriptions.get(sid) or subscription
        if start > head:
            raise StartPastHead(f"from_sequence {start} is after the log's signed head {head}")
        first = max(start, subscription.log_start + 1)
        asked = min(end or head, head)
        last = min(asked, first + REPLAY_SPAN - 1)
        if first > last:  # a 202 that queued nothing would read as a replay done
            raise StartPastHead(
                f"nothing to replay: the subscription is owed what was logged from "
                f"{subscription.log_start + 1}, and the range asked ends at {last}",
                # the range's end is what is wrong when it stops short of entries owed
                path="to_sequence" if end is not None and end < first <= head else "from_sequence",
            )
        admitted()  # a rate limit counts what would be queued, never a refusal (raises)
        agreements = self.agreements.all()
        logged = (
            pair
            for page in range(first, last + 1, LOG_PAGE)
            for pair in self.log.entries(page, min(LOG_PAGE, last + 1 - page))
        )
        changes = list(replayable(logged, self.from_log.tombstone))
        subjects = self.from_log.red_subjects([change for _, change in changes])
        token = self.token()
        copies: Copies = {}
        ids = {c.change_id: delivery_id(c.change_id, sid) for _, c in changes}
        originals = self.deliveries.kept_many(list(ids.values()))
        # a line has no record of its own: its batch says what it was sent with
        lines = self.deliveries.lines_sent(sid, first, last) if subscription.had_batches() else {}
        deliveries = [
            delivery.model_copy(
                update={
                    "replay": True,
                    "log_sequence": sequence,
                    "record_id": replay_record_id(delivery.delivery_id, token),
                }
            )
            for sequence, change in changes
            for delivery in _first_sent(
                change, originals.get(ids[change.change_id]), lines.get(ids[change.change_id]), sid
            )
            or _replayed(
                change,
                terms_at(subscription, sequence, copies),
                subscription,
                agreements,
                subjects.get(change.listing.credit_code, ()),
            )
        ]
        sequences = {d.change.change_id: d.log_sequence or 0 for d in deliveries}
        shown = self.from_log.shown_now(deliveries, agreements)
        numbered = stamped(shown, sequences, self.log.allocate)
        self.queue.enqueue(numbered, f":replay:{token}")
        return Replayed(first, last, len(deliveries), last + 1 if last < asked else None)

    def enable(
        self, subscription: Subscription, redeliver_missed: bool = True, by_key: str | None = None
    ) -> int:
        """Turn an endpoint back on; by default deliver what it missed while it was off — the
        deliveries held back for that, and the one its 410 answer turned it off with — and
        nothing else: an enabled endpoint's dead letters of failed attempts are the operator's
        to re-drive. Called again on an enabled endpoint, it goes on with what the last call
        left (one call re-sends a bounded part: review 132); how many. ``by_key``: the platform
        key asking (None: the operator), noted for review at its revocation."""
        now = self.clock.now()
        on = self.subscriptions.update(
            subscription.subscription_id,
            lambda current: (
                # an enabled one keeps its health (review 281: a reset kept it from warnings)
                _enabled(current) if not current.enabled else current
            ).model_copy(
                update={
                    **current.changed_by(by_key),
                    # owed until sent, resume and verify sending it too; not when told not to
                    "missed_owed": redeliver_missed
                    and (current.missed_owed or not current.enabled),
                    **_declining(current, redeliver_missed, now),
                }
            ),
        )
        if on is None:
            return 0
        if not redeliver_missed:  # an objection's notice still goes, now or at the resume
            sends = self.sending(on) or not subscription.enabled
            return self.redrive_undeclined(on) if sends else 0
        if self.sending(on):
            return self.redrive_owed(on)
        # what it missed is queued once, as it is turned back on, to be held back as paused or
        # pending (review 283); not on every call to an enabled one that cannot send (review
        # 281: each call put every parked delivery back on the queue, parked again)
        return self.redrive_missed(on) if not subscription.enabled else 0

    def sending(self, subscription: Subscription) -> bool:
        """Verified, not paused, enabled, and signable: its parked deliveries may go."""
        return sendable(subscription, sm2_signing=self.sm2_signing)

    def verify(
        self, subscription: Subscription, admitted: Callable[[], None] = lambda: None
    ) -> tuple[Subscription, int]:
        """One more challenge for a pending endpoint, once ``admitted`` (a rate limit that
        counts what is sent, never a refusal: review 342); a success re-drives what was parked
        until then. A verified subscription stays as it is — there is nothing to prove twice —
        but the call goes on with what the last one left parked, as ``resume`` would (review
        132). The outcome is stored only if the URL challenged is still the subscription's (the
        owner may change or delete it while the challenge is out)."""
        if not subscription.pending:
            return subscription, self.redrive_held(subscription) if self.sending(
                subscription
            ) else 0
        check_signable(subscription.signature_scheme, sm2_signing=self.sm2_signing)
        admitted()
        checked = self.verifier.verify(subscription)
        outcome = {
            name: getattr(checked, name)
            for name in ("state", "verified_at", "verification_failure")
        }
        stored = self.subscriptions.update(
            subscription.subscription_id,
            lambda current: (
                current.model_copy(update=outcome)
                if current.url == subscription.url and current.pending
                else None
            ),
        )
        if stored is None:
            return checked, 0
        return stored, self.redrive_held(stored) if self.sending(stored) else 0

    def rebuilt(self, delivery_id: str) -> Delivery | None:
        """The delivery as a re-drive would queue it again; None if the log keeps no record
        of it or its change was erased."""
        kept = self.deliveries.kept(delivery_id)
        return None if kept is None else self.from_log.rebuilt(kept)

    def shown_again(self, rebuilt: Delivery) -> Delivery:
        """A ``rebuilt`` delivery as a re-drive would send it today, what its region may no
        longer see masked (``shown_now``: review 199, the body route showed an objection's
        reason a retry had withheld)."""
        [shown] = self.from_log.shown_now([rebuilt], self.agreements.all())
        return shown

    def logged(self, log_sequence: int) -> Change | None:
        return self.from_log.logged(log_sequence)

    def logged_all(self, sequences: Iterable[int]) -> dict[int, Change]:
        return self.from_log.logged_all(sequences)

    def recognition_for(self, change: Change, region: str) -> Recognition:
        return self.from_log.recognition_for(change, region)


def _replayed(
    change: Change,
    then: Subscription | None,
    subscription: Subscription,
    agreements: Sequence[Agreement],
    subject: Sequence[Listing],
) -> list[Delivery]:
    """The change's delivery by the terms now, else by ``then``, the terms it was logged
    under; a move to another region, also where the terms admitted the listing before it
    (as fan-out sent it: ``formerly_matched``)."""
    for terms in (subscription, *([then] if then is not None and then is not subscription else [])):
        moved = formerly_matched(change, None, [terms])
        planned = plan_deliveries(change, [terms], agreements, subject=subject, received=moved)
        if planned:
            return planned
    return []


def _first_sent(
    change: Change, original: Resend | None, line: Recognition | None, subscription_id: str
) -> list[Delivery]:
    """The change's delivery as it was first sent, where its record is kept (``original``),
    or the recognition it was sent with as a batch's ``line``: fan-out recognised the change
    as of the day it fanned it out, by the agreements then, and what it said is what the
    subscriber was told (review 245: a change fanned out after the midnight an agreement began
    or ended was replayed with the opposite recognition, and one a ``recognised_only``
    subscription was sent was left out; review 246: so were a batch's lines). Empty where
    neither is kept: the change is planned anew, as of its own day (``_replayed``)."""
    if original is None and line is not None:
        original = Resend(
            delivery_id=delivery_id(change.change_id, subscription_id),
            subscription_id=subscription_id,
            type="listing.changed",
            change_id=change.change_id,
            change_type=change.type,
            recognition=line,
        )
    if original is None or original.type != "listing.changed":
        return []
    first = rebuild(original, change)
    return [] if first is None else [first]
