"""Sending one delivery: sign, POST, record the attempt, decide delivered / retry / dead.

A batch (``gateway.delivery.batching``) is sent the same way, on the same schedule, to the same
health rules: its webhook announces the file with a link made at each attempt. Delivered, it
is recorded once with its lines in it (receipts, statistics and the subscriber's delivery list
read them from there); dead, each line is recorded as a delivery of its own with the batch's
last attempt (a dead batch's lines are re-driven one by one). Then the file is deleted.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

from gateway.delivery.batch_sending import (
    Shown,
    acknowledge,
    announcement,
    drop_sent,
    file_lines,
    lost,
    sent_as_line,
    settle,
)
from gateway.delivery.batching import Batch
from gateway.delivery.endpoint_watch import EndpointWatch, held_back
from gateway.delivery.holding_back import HeldBack, Released
from gateway.delivery.judging import DEFAULT_HEALTH, DEFAULT_RETRY_SCHEDULE, AttemptJudge, Outcome
from gateway.delivery.planning import Delivery, payload_for
from gateway.delivery.ports import (
    Acknowledgements,
    BatchFiles,
    DeliveryLog,
    SubscriptionStore,
    WebhookTransport,
)
from gateway.delivery.records import NEVER_SENT, Attempt, DeliveryState, HttpResponse
from gateway.delivery.replay_settling import queued_before, settle_original
from gateway.delivery.retry_policy import EndpointHealth
from gateway.delivery.subscription import Subscription
from gateway.delivery.webhook_signing import webhook_headers
from gateway.delivery.withholding import (
    answers_outlived,
    erasure_read,
    recognition_read,
    superseded,
    withheld,
)
from gateway_client.contract import Clock, GatewaySigners, scrub_excerpt

log = logging.getLogger("credit_gateway.delivery")

REQUEST_TIMEOUT_SECONDS = 15.0
CUT_OFF_MARGIN_SECONDS = 5.0  # beyond the request's timeout: signing, recording, the runtime


_SETTLED = frozenset({DeliveryState.DELIVERED, DeliveryState.DEAD})
_READERS = 20  # a delivery batch's most message groups (10), each with its two reads at once


class DeliveryService:
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        log: DeliveryLog,
        transport: WebhookTransport,
        signers: GatewaySigners,
        clock: Clock,
        schedule: Sequence[timedelta] = DEFAULT_RETRY_SCHEDULE,
        health: EndpointHealth = DEFAULT_HEALTH,
        roll: Callable[[], float] = random.random,
        acknowledgements: Acknowledgements | None = None,
        files: BatchFiles | None = None,
        erased: Callable[[str], bool] | None = None,
        shown: Shown | None = None,
        released: Released | None = None,
    ) -> None:
        self._erased = erased  # whether a purge erased a listing (the exchange log knows)
        self._shown = shown  # a delivery as today's recognition shows it (masked if no longer)
        self._files = files  # batched delivery's files: needed only to send a batch
        self._acknowledgements = acknowledgements  # e.g. the owner's objection notices
        self._subscriptions = subscriptions
        self._log = log
        self._transport = transport
        self._signers = signers
        self._clock = clock
        # the endpoint's health, as attempts change it
        self._judge = AttemptJudge(EndpointWatch(subscriptions, health), schedule, health, roll)
        self._readers = ThreadPoolExecutor(max_workers=_READERS)  # threads start when used
        # what a delivery held back does (and one released meanwhile)
        self._holding = HeldBack(
            subscriptions, log, signers, self._record, released, self._batch_files
        )

    @property
    def max_attempts(self) -> int:
        return self._judge.max_attempts

    def deliver(
        self,
        delivery: Delivery | Batch,
        received: int,
        time_left: float | None = None,
        expires_at: datetime | None = None,
    ) -> Outcome:
        """Make the next attempt of ``delivery`` (``received``: the queue's receive count;
        ``time_left``: seconds the invocation has left, None when unknown; ``expires_at``: when
        its queue message would be dropped, retention over — a retry due after it is dead now,
        so re-drivable, never lost with the message: review 170).

        Attempts are counted by the delivery log, not by the queue: a message held back behind
        a failing change of the same subject is received without being attempted. The
        subscription is read while the log is (each read is needed before the POST, neither
        depends on the other); a duplicate message wastes that read. So is whether the
        delivery's listing was purged since it was queued (``gateway.delivery.withholding``).
        """
        asked = isinstance(delivery, Delivery) and delivery.replay  # as queued (review 266)
        if isinstance(delivery, Delivery) and delivery.replay and delivery.record_id is None:
            delivery = queued_before(self._log, delivery)
        reading = self._readers.submit(self._subscriptions.get, delivery.subscription_id)
        erasure = erasure_read(self._erased, self._readers, delivery)
        recognition = recognition_read(self._shown, self._readers, delivery)
        state, tries, sending_since, held, held_at = self._log.progress(delivery.record_key)
        if held is not None and held not in NEVER_SENT:  # came again: swept if released since
            since = (held, held_at or self._clock.now())
            swept = self._holding.came_again(delivery, since, reading.result(), time_left)
            if swept is not None:
                if isinstance(delivery, Batch) and swept.state is not DeliveryState.RETRYING:
                    self._batch_files().remove(delivery.key)  # settled: its file goes, as below
                return swept
        settled = state in _SETTLED
        subscription = None if settled else reading.result()
        if subscription is None:
            # a duplicate message (the first copy settled it), or no subscription any more; a
            # batch's file (a fan-out repeated later may have written it again) goes at once,
            # once what its delivery may have left undone is finished (a count cut short)
            if isinstance(delivery, Batch):
                if state is DeliveryState.DELIVERED:
                    self._log.finish_batch(delivery.delivery_id)
                elif not settled:  # its subscription went while it was retried: it never
                    # settles, so the answers it kept (which may echo a person) go now
                    self._log.forget_answers(delivery.delivery_id)
                self._batch_files().remove(delivery.key)
            return Outcome(state=None)
        if (
            isinstance(delivery, Delivery)
            and not asked
            and sent_as_line(self._log, delivery, subscription)
        ):
            return Outcome(state=None)  # as a duplicate message: nothing more to do
        if erasure is not None and erasure.result() and isinstance(delivery, Delivery):
            self._log.record(delivery, withheld(self._clock.now()), DeliveryState.DEAD)
            return Outcome(state=DeliveryState.DEAD, parked=True, region=subscription.region)
        if recognition is not None:
            standing = recognition.result()
            if not standing:  # a restatement no longer true: told as it stands by a newer one
                self._log.record(delivery, superseded(self._clock.now()), DeliveryState.DEAD)
                return Outcome(state=DeliveryState.DEAD, parked=True, region=subscription.region)
            [delivery] = standing
        note_first = _may_be_cut_off(received, time_left)
        outcome = self._attempt(
            delivery, tries + 1, subscription, sending_since, note_first, time_left, expires_at
        )
        return replace(outcome, region=subscription.region)

    def _attempt(
        self,
        delivery: Delivery | Batch,
        attempt_number: int,
        subscription: Subscription,
        sending_since: datetime | None,
        note_first: bool,
        time_left: float | None = None,
        expires_at: datetime | None = None,
    ) -> Outcome:
        """The attempt itself, for a subscription that exists (``deliver`` adds its region);
        noted under way first if it ``may be cut off`` (``_may_be_cut_off``)."""
        now = self._clock.now()
        cut_off = None
        if sending_since is not None:
            cut_off = self._cut_off(delivery, subscription, sending_since, attempt_number, now)
            if cut_off.state is not DeliveryState.RETRYING:
                return cut_off
            subscription = self._subscriptions.get(delivery.subscription_id) or subscription
            attempt_number += 1
        # a batch of a subscription single now is from before its turn: any line may have gone
        # singly since (review 268)
        singly_to = (
            delivery.last_log_sequence
            if isinstance(delivery, Batch) and subscription.delivery_mode == "single"
            else subscription.batched_from
        )
        if isinstance(delivery, Batch) and drop_sent(
            self._log, self._batch_files(), delivery, now, singly_to
        ):
            return Outcome(state=None)  # every line went in another batch already
        held = held_back(subscription, self._signers)
        if held is not None:
            return self._holding.hold(delivery, held, now, time_left)
        lines: list[Delivery] | None = None  # a batch's, as sent
        if isinstance(delivery, Batch):
            files = self._batch_files()
            found = file_lines(files, delivery, self._shown, subscription.region)  # as it is now
            region = subscription.region
            body = None if found is None else announcement(files, found[0], region, now)
            if found is None or body is None:  # its file is gone: nothing to announce
                return self._lost(delivery, now)
            delivery, lines = found  # the batch as its file is now: settled as announced
            headers = self.headers_for(
                subscription, delivery.delivery_id, int(now.timestamp()), body
            )
        else:
            headers, body = self.signed_request(delivery, subscription, now)
        if note_first:
            self._log.begin(delivery.record_key, now)
        response = self._transport.post(subscription.url, headers, body, REQUEST_TIMEOUT_SECONDS)
        attempt = Attempt(
            at=now,
            status=response.status,
            latency_ms=response.elapsed_ms,
            # a success's answer is not kept (it may echo the body); a failure's, scrubbed
            response_excerpt=""
            if 200 <= response.status < 300
            else scrub_excerpt(response.body_excerpt),
        )
        batch = isinstance(delivery, Batch)
        outcome = self._judged(subscription, response, attempt_number, attempt, batch)
        retry_at = now + (outcome.retry_after or timedelta(0))
        if outcome.state is DeliveryState.RETRYING and expires_at and retry_at >= expires_at:
            outcome = replace(outcome, state=DeliveryState.DEAD, retry_after=None)
        if outcome.state is DeliveryState.DELIVERED:
            outcome = self._acknowledge(delivery, attempt.at, outcome, lines or ())
        if outcome.state is DeliveryState.DELIVERED and isinstance(delivery, Delivery):
            # first: the replay's own record settled would drop the message sent back after a
            # crash in between, and the original would never be settled
            settle_original(self._log, delivery, attempt, subscription)
        self._record(delivery, attempt, outcome.state or DeliveryState.DEAD, lines)
        if lines is not None:  # counted as sent: lines taken out since it was queued are not
            outcome = replace(outcome, lines=len(lines))
        if outcome.health is None and cut_off is not None:
            return replace(outcome, health=cut_off.health)
        return outcome

    def _judged(
        self,
        tried: Subscription,
        response: HttpResponse,
        attempt_number: int,
        attempt: Attempt,
        batch: bool,
    ) -> Outcome:
        """The attempt's outcome, but a failure at an endpoint the subscription has moved away
        from meanwhile says nothing of the new one (whose health it does not move either:
        ``EndpointWatch``): tried again at once where it goes now (review 342: a 410 or the
        last attempt there settled it dead, and the new endpoint never had it) — within one
        attempt past the schedule, so a URL moved back and forth cannot keep a failing
        delivery alive (review 344)."""
        if not 200 <= response.status < 300:
            now = self._subscriptions.get(tried.subscription_id)
            moved = now is not None and now.url != tried.url
            if moved and attempt_number <= len(self._judge.schedule_for(tried)) + 1:
                return Outcome(DeliveryState.RETRYING, timedelta(0))
        return self._judge.judge(tried, response, attempt_number, attempt, batch=batch)

    def _acknowledge(
        self, delivery: Delivery | Batch, at: datetime, outcome: Outcome, lines: Sequence[Delivery]
    ) -> Outcome:
        """Tell what waits on the acknowledgement (of each line of a batch) before the log
        calls it delivered; should that fail, the delivery is sent again (the receiver dedups
        by webhook id) rather than settled with its consequence lost."""
        if self._acknowledgements is None:
            return outcome
        try:
            if isinstance(delivery, Batch):
                acknowledge(self._acknowledgements, lines, at)
            else:
                self._acknowledgements.acknowledged(delivery, at)
        except Exception:
            log.exception("delivery %s acknowledged, but recording it failed", delivery.delivery_id)
            return replace(
                outcome, state=DeliveryState.RETRYING, retry_after=DEFAULT_RETRY_SCHEDULE[0]
            )
        return outcome

    def _record(
        self,
        delivery: Delivery | Batch,
        attempt: Attempt,
        state: DeliveryState,
        lines: Sequence[Delivery] | None = None,
    ) -> None:
        """Record the attempt (a batch's: ``gateway.delivery.batch_sending.settle``)."""
        if isinstance(delivery, Batch):
            settle(self._log, self._batch_files(), delivery, attempt, state, lines)
            return
        self._log.record(delivery, attempt, state)
        if answers_outlived(self._erased, delivery, attempt):
            self._log.forget_answers(delivery.record_key)

    def _lost(self, batch: Batch, now: datetime) -> Outcome:
        """Dead, for the operator to see (``gateway.delivery.batch_sending.lost``)."""
        self._log.record(batch, lost(batch, now), DeliveryState.DEAD)
        log.error(
            "batch %s is dead: its file is gone; replay log entries %d-%d to %s if it expired",
            batch.delivery_id,
            batch.first_log_sequence,
            batch.last_log_sequence,
            batch.subscription_id,
        )
        return Outcome(state=DeliveryState.DEAD)

    def _batch_files(self) -> BatchFiles:
        if self._files is None:
            raise RuntimeError("a batch to send, but the delivery service holds no batch files")
        return self._files

    def _cut_off(
        self,
        delivery: Delivery | Batch,
        subscription: Subscription,
        began: datetime,
        attempt_number: int,
        now: datetime,
    ) -> Outcome:
        """The attempt noted under way at ``began`` never came back (the function ended while
        it waited): a failed attempt of the delivery and of its endpoint, judged now."""
        excerpt = "no answer: the attempt was cut off before the endpoint answered"
        attempt = Attempt(at=began, status=0, latency_ms=0, response_excerpt=excerpt)
        answer = HttpResponse(status=0, body_excerpt=excerpt, elapsed_ms=0)
        batch = isinstance(delivery, Batch)
        outcome = self._judge.judge(subscription, answer, attempt_number, attempt, now, batch=batch)
        self._record(delivery, attempt, outcome.state or DeliveryState.DEAD)
        return outcome

    def signed_request(
        self, delivery: Delivery, subscription: Subscription, at: datetime | None
    ) -> tuple[dict[str, str], bytes]:
        """The headers and body an attempt at ``at`` posts: the payload as the subscriber's
        region may see it, signed with that moment's timestamp (each attempt signs anew);
        ``None``: the body and its id, unsigned."""
        body = payload_for(delivery, subscriber_region=subscription.region).to_bytes()
        if at is None:
            return {"webhook-id": delivery.delivery_id, "content-type": "application/json"}, body
        return self.headers_for(subscription, delivery.delivery_id, int(at.timestamp()), body), body

    def headers_for(
        self, subscription: Subscription, msg_id: str, timestamp: int, body: bytes
    ) -> dict[str, str]:
        return webhook_headers(subscription, self._signers, msg_id, timestamp, body)


def _may_be_cut_off(received: int, time_left: float | None) -> bool:
    """Whether an attempt is noted before it is sent, at the cost of a second write.

    An attempt is cut off when the invocation ends while it waits for the endpoint. With the
    request's whole timeout left, only a crash ends it, and a crash sends the message back: so
    the first receive of a message sends without a note (one write per delivery when it
    succeeds), and every later receive, or an attempt with too little (or unknown) time left,
    is noted, so at most one cut-off attempt per message goes uncounted.
    """
    enough = REQUEST_TIMEOUT_SECONDS + CUT_OFF_MARGIN_SECONDS
    return received > 1 or time_left is None or time_left < enough
