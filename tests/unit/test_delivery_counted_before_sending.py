"""An attempt is noted on its delivery before it is sent: one that never comes back (the
function ended mid-request) counts, at the next attempt, as a failed attempt of the delivery
and of its endpoint, which is then warned and disabled on the usual schedule. The note is on
the delivery's own record: a healthy endpoint's subscription is never written. An attempt
with the request's whole timeout left, on its message's first receive, is sent unnoted (one write
per delivery): only a crash could cut it off, and the message's next receive is noted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import NOW
from test_delivery import Harness

from gateway.delivery.records import DeliveryState, HttpResponse
from gateway_client.contract.notices import DISABLED

DAY = timedelta(days=1)


class Killed(BaseException):
    """The Lambda runtime ending the invocation mid-request."""


def killed_mid_request(
    url: str, headers: dict[str, str], body: bytes, timeout: float
) -> HttpResponse:
    raise Killed


def test_an_attempt_killed_mid_request_is_noted_on_its_delivery_only() -> None:
    h = Harness(status=200)
    h.transport.post = killed_mid_request  # type: ignore[method-assign]

    with pytest.raises(Killed):
        h.service.deliver(h.delivery, 1)

    assert h.log.progress(h.delivery.delivery_id) == (None, 0, NOW, None, None)
    assert h.subscriptions.get("s-1") == h.subscription  # not written


def test_the_next_attempt_counts_the_cut_off_one_against_delivery_and_endpoint() -> None:
    h = Harness(status=503)
    answering = h.transport.post
    h.transport.post = killed_mid_request  # type: ignore[method-assign]
    with pytest.raises(Killed):
        h.service.deliver(h.delivery, 1)
    h.transport.post = answering  # type: ignore[method-assign]
    h.clock.advance(timedelta(minutes=5))

    outcome = h.service.deliver(h.delivery, 2)

    [cut_off, answered] = h.log.attempts[h.delivery.delivery_id]
    assert (cut_off.at, cut_off.status, answered.status) == (NOW, 0, 503)
    assert "cut off" in cut_off.response_excerpt
    assert h.log.progress(h.delivery.delivery_id) == (DeliveryState.RETRYING, 2, None, None, None)
    stored = h.subscriptions.get("s-1")
    assert stored is not None
    assert (outcome.state, stored.failing_since) == (DeliveryState.RETRYING, NOW)


def test_an_endpoint_whose_attempts_never_came_back_is_warned_then_disabled_on_schedule() -> None:
    h = Harness(status=503)
    answering = h.transport.post
    h.transport.post = killed_mid_request  # type: ignore[method-assign]
    for _ in range(3):
        with pytest.raises(Killed):
            h.service.deliver(h.delivery, 1)
        h.clock.advance(2 * DAY)
    h.transport.post = answering  # type: ignore[method-assign]

    outcome = h.service.deliver(h.delivery, 2)

    stored = h.subscriptions.get("s-1")
    assert stored is not None
    assert (outcome.state, stored.enabled) == (DeliveryState.DEAD, False)
    assert stored.disabled_reason == f"failing without a success since {NOW.isoformat()}"
    assert stored.warned_at == NOW + 2 * DAY  # the first cut-off, judged at the second try
    assert outcome.health is not None
    assert outcome.health.notice.type == DISABLED


def test_a_healthy_endpoint_is_never_written_and_its_delivery_clears_the_note() -> None:
    h = Harness(status=204)
    puts = []
    h.subscriptions.put = puts.append  # type: ignore[method-assign]

    outcome = h.service.deliver(h.delivery, 1)

    assert (outcome.state, puts) == (DeliveryState.DELIVERED, [])
    assert h.log.progress(h.delivery.delivery_id) == (DeliveryState.DELIVERED, 1, None, None, None)
    assert len(h.transport.posts) == 1


AMPLE = 60.0  # seconds the invocation has left: more than the request's timeout


def test_a_first_receive_with_the_request_s_time_left_is_not_noted_before_sending() -> None:
    h = Harness(status=204)
    noted: list[str] = []
    h.log.begin = lambda delivery_id, at: noted.append(delivery_id)  # type: ignore[method-assign]

    outcome = h.service.deliver(h.delivery, 1, time_left=AMPLE)

    assert (outcome.state, noted) == (DeliveryState.DELIVERED, [])
    assert h.log.progress(h.delivery.delivery_id) == (DeliveryState.DELIVERED, 1, None, None, None)


def test_an_attempt_with_too_little_time_left_is_noted() -> None:
    h = Harness(status=200)
    h.transport.post = killed_mid_request  # type: ignore[method-assign]

    with pytest.raises(Killed):
        h.service.deliver(h.delivery, 1, time_left=10.0)

    assert h.log.progress(h.delivery.delivery_id) == (None, 0, NOW, None, None)


def test_after_an_uncounted_crash_the_next_receive_is_noted_and_then_counted() -> None:
    h = Harness(status=503)
    answering = h.transport.post
    h.transport.post = killed_mid_request  # type: ignore[method-assign]
    with pytest.raises(Killed):
        h.service.deliver(h.delivery, 1, time_left=AMPLE)  # a crash: nothing noted
    assert h.log.progress(h.delivery.delivery_id) == (None, 0, None, None, None)
    h.clock.advance(timedelta(minutes=5))
    with pytest.raises(Killed):
        h.service.deliver(h.delivery, 2, time_left=AMPLE)  # received again: noted
    h.transport.post = answering  # type: ignore[method-assign]

    h.service.deliver(h.delivery, 3, time_left=AMPLE)

    [cut_off, answered] = h.log.attempts[h.delivery.delivery_id]
    assert (cut_off.at, cut_off.status, answered.status) == (NOW + timedelta(minutes=5), 0, 503)
