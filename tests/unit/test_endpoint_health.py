"""Endpoint health: failing_since, one warning after a day, disabled after five days or a 410,
nothing sent to a disabled endpoint, and a subscription's own retry schedule."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from batch_support import BatchGateway, changes, numbered
from builders import NOW, subscription
from test_delivery import SCHEDULE, Harness

from gateway.delivery.records import DeliveryState
from gateway.delivery.retry_policy import EndpointHealth
from gateway.delivery.subscription import Subscription

DAY = timedelta(days=1)
HEALTH = EndpointHealth()
DELIVERY_LOGGER = "credit_gateway.delivery"


def endpoint(**fields: Any) -> Subscription:
    """Subscription ``s-1`` with health or schedule fields set (validated like a stored one)."""
    return Subscription.model_validate({**subscription("s-1").model_dump(), **fields})


def stored(h: Harness) -> Subscription:
    found = h.subscriptions.get("s-1")
    assert found is not None
    return found


def test_the_defaults_warn_after_one_day_and_disable_after_five() -> None:
    assert (HEALTH.warn_after, HEALTH.disable_after) == (DAY, 5 * DAY)


# -- failing_since --


def test_the_first_failure_marks_the_endpoint_failing_since_then() -> None:
    h = Harness(status=500)

    h.service.deliver(h.delivery, 1)

    assert (stored(h).failing_since, stored(h).warned_at, stored(h).enabled) == (NOW, None, True)


def test_later_failures_keep_the_time_of_the_first() -> None:
    h = Harness(status=503)
    h.service.deliver(h.delivery, 1)
    h.clock.advance(timedelta(hours=3))

    h.service.deliver(h.delivery, 2)

    assert stored(h).failing_since == NOW


def test_a_success_clears_failing_since_and_the_warning() -> None:
    h = Harness(endpoint(failing_since=NOW - 2 * DAY, warned_at=NOW - DAY), status=200)

    outcome = h.service.deliver(h.delivery, 1)

    assert outcome.state is DeliveryState.DELIVERED
    assert (stored(h).failing_since, stored(h).warned_at, stored(h).enabled) == (None, None, True)


def test_a_success_after_a_failure_leaves_a_healthy_endpoint() -> None:
    h = Harness(status=500)
    h.service.deliver(h.delivery, 1)
    h.clock.advance(timedelta(seconds=5))
    h.transport.status = 204

    h.service.deliver(h.delivery, 2)

    assert stored(h).failing_since is None


# -- the warning after a day --


def test_failing_for_a_day_sets_warned_at_and_logs_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = Harness(endpoint(failing_since=NOW - DAY), status=500)

    with caplog.at_level(logging.WARNING, logger=DELIVERY_LOGGER):
        outcome = h.service.deliver(h.delivery, 1)

    assert outcome.state is DeliveryState.RETRYING
    assert (stored(h).warned_at, stored(h).failing_since, stored(h).enabled) == (
        NOW,
        NOW - DAY,
        True,
    )
    [warning] = [r for r in caplog.records if r.name == DELIVERY_LOGGER]
    assert warning.levelno == logging.WARNING
    assert "s-1" in warning.getMessage()


def test_failing_for_less_than_a_day_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(endpoint(failing_since=NOW - DAY + timedelta(seconds=1)), status=500)

    with caplog.at_level(logging.WARNING, logger=DELIVERY_LOGGER):
        h.service.deliver(h.delivery, 1)

    assert stored(h).warned_at is None
    assert [r for r in caplog.records if r.name == DELIVERY_LOGGER] == []


def test_the_warning_is_given_once(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(endpoint(failing_since=NOW - DAY), status=500)
    h.service.deliver(h.delivery, 1)
    h.clock.advance(timedelta(hours=6))
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger=DELIVERY_LOGGER):
        h.service.deliver(h.delivery, 2)

    assert stored(h).warned_at == NOW
    assert [r for r in caplog.records if r.name == DELIVERY_LOGGER] == []


# -- disabling --


def test_failing_for_five_days_disables_the_endpoint_and_ends_the_delivery() -> None:
    h = Harness(endpoint(failing_since=NOW - 5 * DAY, warned_at=NOW - 4 * DAY), status=500)

    outcome = h.service.deliver(h.delivery, 1)

    assert (outcome.state, h.log.state(h.delivery.delivery_id)) == (
        DeliveryState.DEAD,
        DeliveryState.DEAD,
    )
    assert stored(h).enabled is False
    assert stored(h).disabled_reason == (
        f"failing without a success since {(NOW - 5 * DAY).isoformat()}"
    )


def test_failing_for_just_under_five_days_still_retries() -> None:
    h = Harness(endpoint(failing_since=NOW - 5 * DAY + timedelta(seconds=1)), status=500)

    outcome = h.service.deliver(h.delivery, 1)

    assert (outcome.state, stored(h).enabled) == (DeliveryState.RETRYING, True)


def test_an_endpoint_failing_day_after_day_is_warned_then_disabled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = Harness(status=500)
    h.service.deliver(h.delivery, 1)
    h.clock.advance(DAY)
    h.service.deliver(h.delivery, 2)
    warned = stored(h)
    h.clock.advance(4 * DAY)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger=DELIVERY_LOGGER):
        outcome = h.service.deliver(h.delivery, 3)

    assert (warned.warned_at, warned.enabled) == (NOW + DAY, True)
    assert (outcome.state, stored(h).enabled) == (DeliveryState.DEAD, False)
    assert any(
        "s-1 disabled" in r.getMessage() for r in caplog.records if r.name == DELIVERY_LOGGER
    )


def test_a_410_disables_a_healthy_endpoint_at_once() -> None:
    h = Harness(status=410)

    outcome = h.service.deliver(h.delivery, 1)

    assert (outcome.state, outcome.retry_after, h.log.state(h.delivery.delivery_id)) == (
        DeliveryState.DEAD,
        None,
        DeliveryState.DEAD,
    )
    assert (stored(h).enabled, stored(h).disabled_reason) == (
        False,
        "the endpoint answered 410 Gone",
    )


def test_a_disabled_endpoint_is_not_posted_to() -> None:
    h = Harness(status=200)
    h.subscriptions.put(endpoint(enabled=False, disabled_reason="the endpoint answered 410 Gone"))

    outcome = h.service.deliver(h.delivery, 1)

    assert (outcome.state, h.transport.posts) == (DeliveryState.DEAD, [])


def test_a_delivery_to_a_disabled_endpoint_is_recorded_dead_with_status_0() -> None:
    h = Harness(status=200)
    h.subscriptions.put(endpoint(enabled=False, disabled_reason="the endpoint answered 410 Gone"))

    h.service.deliver(h.delivery, 1)

    [attempt] = h.log.attempts[h.delivery.delivery_id]
    assert h.log.state(h.delivery.delivery_id) is DeliveryState.DEAD
    assert (attempt.at, attempt.status, attempt.latency_ms) == (NOW, 0, 0)
    assert "the endpoint answered 410 Gone" in attempt.response_excerpt


def test_after_a_410_the_next_delivery_is_not_posted() -> None:
    h = Harness(status=410)
    h.service.deliver(h.delivery, 1)
    again = h.delivery.model_copy(update={"delivery_id": "msg_next"})

    outcome = h.service.deliver(again, 1)

    assert (outcome.state, len(h.transport.posts)) == (DeliveryState.DEAD, 1)


# -- a subscription's own schedule --


@pytest.mark.parametrize("attempt", [1, 2])
def test_a_subscriptions_own_schedule_sets_the_delays(attempt: int) -> None:
    h = Harness(endpoint(retry_schedule_seconds=[7, 11]), status=500)

    outcome = h.attempt(attempt)

    assert (outcome.state, outcome.retry_after) == (
        DeliveryState.RETRYING,
        timedelta(seconds=(7, 11)[attempt - 1]),
    )


def test_a_shorter_own_schedule_ends_the_delivery_sooner_than_the_default() -> None:
    # The service's default (three steps) would still retry attempt 3.
    h = Harness(endpoint(retry_schedule_seconds=[7, 11]), status=500)

    outcome = h.attempt(3)

    assert (outcome.state, h.log.state(h.delivery.delivery_id)) == (
        DeliveryState.DEAD,
        DeliveryState.DEAD,
    )


def test_a_longer_own_schedule_retries_past_the_default() -> None:
    h = Harness(endpoint(retry_schedule_seconds=[1, 2, 3, 4, 5, 6]), status=500)

    outcome = h.attempt(len(SCHEDULE) + 1)

    assert (outcome.state, outcome.retry_after) == (DeliveryState.RETRYING, timedelta(seconds=4))


def test_a_single_step_own_schedule_allows_exactly_two_attempts() -> None:
    h = Harness(endpoint(retry_schedule_seconds=[0]), status=500)

    first = h.service.deliver(h.delivery, 1)
    second = h.service.deliver(h.delivery, 2)

    assert (first.state, first.retry_after, second.state) == (
        DeliveryState.RETRYING,
        timedelta(0),
        DeliveryState.DEAD,
    )
    assert len(h.transport.posts) == 2


def test_an_endpoint_failing_every_batch_is_disabled_though_single_deliveries_get_through() -> None:
    """A firewall that blocks the presigned bucket host fails every batch while single
    webhooks succeed: each success used to reset the one clock, the endpoint was never
    disabled, and queued files expired behind retried ones (review 41). Batches keep a clock
    of their own; a batch delivered stops it."""
    gateway = BatchGateway(status=503)
    made = changes(3)
    [first, second, single] = numbered(made, [gateway.target])
    batch = gateway.batch_of([first, second])

    assert gateway.service.deliver(batch, 1).state is DeliveryState.RETRYING
    gateway.transport.status = 204
    assert gateway.service.deliver(single, 1).state is DeliveryState.DELIVERED
    after_single = gateway.subscriptions.get(gateway.target.subscription_id)
    for turn in range(1, 13):  # ten hours apart (the default schedule's longest wait): each
        # batch dies after the short schedule here, and the next one waiting fails in its turn
        *waiting, lone = numbered(changes(3, first=10 * turn), [gateway.target], 10 * turn)
        gateway.transport.status = 503
        gateway.clock.advance(timedelta(hours=10))
        outcome = gateway.service.deliver(gateway.batch_of(waiting, batch_id=f"bat_{turn}"), 1)
        if outcome.state is DeliveryState.DEAD:
            break
        gateway.transport.status = 204
        assert gateway.service.deliver(lone, 1).state is DeliveryState.DELIVERED  # singles pass

    assert after_single is not None
    assert (after_single.failing_since, after_single.batches_failing_since) == (None, NOW)
    assert outcome.state is DeliveryState.DEAD
    off = gateway.subscriptions.get(gateway.target.subscription_id)
    assert off is not None
    assert off.enabled is False
    assert off.disabled_reason == f"failing without a success since {NOW.isoformat()}"
    assert turn == 12  # not before: five days of failed batches, and not one delivered


def test_a_batch_delivered_stops_the_batches_clock() -> None:
    gateway = BatchGateway(status=503)
    [first, second] = numbered(changes(2), [gateway.target])
    batch = gateway.batch_of([first, second])
    gateway.service.deliver(batch, 1)
    gateway.transport.status = 204
    gateway.clock.advance(DAY)

    assert gateway.service.deliver(batch, 2).state is DeliveryState.DELIVERED
    healed = gateway.subscriptions.get(gateway.target.subscription_id)
    assert healed is not None
    assert (healed.failing_since, healed.batches_failing_since) == (None, None)


def test_a_batch_failing_long_after_the_last_batch_failure_starts_a_new_spell() -> None:
    """A batch that died a month ago left its clock; thirty days of single deliveries later one
    failed attempt of a new batch disabled the endpoint at once (review 41c). Failures more
    than a day apart are not one spell."""
    gateway = BatchGateway(status=503)
    [first, second, single, third, fourth] = numbered(changes(5), [gateway.target])
    gateway.service.deliver(gateway.batch_of([first, second]), 1)
    gateway.clock.advance(30 * DAY)
    gateway.transport.status = 204
    assert gateway.service.deliver(single, 1).state is DeliveryState.DELIVERED
    gateway.transport.status = 503

    outcome = gateway.service.deliver(gateway.batch_of([third, fourth]), 1)

    assert outcome.state is DeliveryState.RETRYING
    held = gateway.subscriptions.get(gateway.target.subscription_id)
    assert held is not None
    assert held.enabled is True
    assert (held.batches_failing_since, held.batches_failed_at) == (NOW + 30 * DAY,) * 2
