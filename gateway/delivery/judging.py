"""Judging an attempt: delivered, retried (and when), or dead — for the delivery and for its
endpoint, whose health the same answer moves.

Why a module of its own: the rules are the schedule's and the endpoint's (Standard Webhooks'
retry schedule, 410 Gone, disabling an endpoint failing for days), the same for a delivery, a
batch and an attempt cut off; the delivery service (``gateway.delivery.sending``) makes the
attempt and records what is judged here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.delivery.endpoint_watch import EndpointWatch
from gateway.delivery.health import HealthChange
from gateway.delivery.records import Attempt, DeliveryState, HttpResponse
from gateway.delivery.retry_policy import EndpointHealth, next_delay, retry_after
from gateway.delivery.subscription import Subscription, batch_clock

# Standard Webhooks schedule after the immediate first attempt.
DEFAULT_RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DEFAULT_HEALTH = EndpointHealth()


@dataclass(frozen=True)
class Outcome:
    state: DeliveryState | None  # None: nothing to do (already delivered, or no subscription)
    retry_after: timedelta | None = None
    parked: bool = False  # dead because the endpoint is disabled: kept for its re-enabling
    health: HealthChange | None = None  # the endpoint began failing or was disabled just now
    region: str | None = None  # the subscriber's region (counted per region by the caller)
    lines: int | None = None  # a batch's lines as announced (its file may have lost some)


class AttemptJudge:
    def __init__(
        self,
        endpoints: EndpointWatch,
        schedule: Sequence[timedelta],
        health: EndpointHealth,
        roll: Callable[[], float],
    ) -> None:
        self._endpoints = endpoints
        self._schedule = tuple(schedule)
        self._health = health
        self._roll = roll  # the jitter's draw

    def schedule_for(self, subscription: Subscription) -> tuple[timedelta, ...]:
        custom = subscription.retry_schedule_seconds
        return tuple(timedelta(seconds=x) for x in custom) if custom else self._schedule

    @property
    def max_attempts(self) -> int:
        return len(self._schedule) + 1

    def judge(
        self,
        subscription: Subscription,
        response: HttpResponse,
        attempt_number: int,
        attempt: Attempt,
        now: datetime | None = None,
        *,
        batch: bool = False,
    ) -> Outcome:
        """The attempt's outcome for the delivery and its endpoint (failing since the first
        failed attempt; ``now``, when judged later than made, for the schedule). A batch's
        endpoint is failing since its first failed batch, whatever single deliveries got
        through meanwhile (``Subscription.batches_failing_since``)."""
        now = now or attempt.at
        if 200 <= response.status < 300:
            if subscription.failing_since is not None or (
                batch and subscription.batches_failing_since is not None
            ):
                self._endpoints.recovered(subscription, batch=batch)
            return Outcome(state=DeliveryState.DELIVERED)
        if response.status == 410:
            gone = self._endpoints.disable(
                subscription, "the endpoint answered 410 Gone", now, gone=True
            )
            return Outcome(state=DeliveryState.DEAD, health=gone)
        failing_since = subscription.failing_since or attempt.at
        if batch:
            failing_since = min(failing_since, batch_clock(subscription, attempt.at) or attempt.at)
        if now - failing_since >= self._health.disable_after:
            off = self._endpoints.disable(
                subscription,
                f"failing without a success since {failing_since.isoformat()}",
                now,
                gone=False,
            )
            return Outcome(state=DeliveryState.DEAD, health=off)
        warned = self._endpoints.note_failure(subscription, attempt.at, now, batch=batch)
        schedule = self.schedule_for(subscription)
        if attempt_number > len(schedule):
            return Outcome(state=DeliveryState.DEAD, health=warned)
        asked = retry_after(response.retry_after, now)
        delay = next_delay(schedule, attempt_number, response.status, asked, self._roll())
        return Outcome(DeliveryState.RETRYING, delay, health=warned)
