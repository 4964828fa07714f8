"""An attempt counts against the endpoint's health before it is sent: one that never comes
back (the Lambda killed mid-request) still leaves the endpoint failing, and it is warned and
disabled on the usual schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import NOW
from test_delivery import Harness

from gateway.delivery import DeliveryState, HttpResponse

DAY = timedelta(days=1)


class Killed(BaseException):
    """The Lambda runtime ending the invocation mid-request."""


def killed_mid_request(
    url: str, headers: dict[str, str], body: bytes, timeout: float
) -> HttpResponse:
    raise Killed


def test_an_attempt_killed_mid_request_leaves_the_endpoint_failing_since_it_began() -> None:
    h = Harness(status=200)
    h.transport.post = killed_mid_request  # type: ignore[method-assign]

    with pytest.raises(Killed):
        h.service.deliver(h.delivery, 1)

    stored = h.subscriptions.get("s-1")
    assert stored is not None
    assert (stored.failing_since, stored.enabled) == (NOW, True)


def test_an_endpoint_whose_attempts_never_came_back_is_disabled_on_schedule() -> None:
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


def test_an_answered_success_undoes_the_count() -> None:
    h = Harness(status=204)

    outcome = h.service.deliver(h.delivery, 1)

    stored = h.subscriptions.get("s-1")
    assert stored is not None
    assert (outcome.state, stored.failing_since, stored.warned_at) == (
        DeliveryState.DELIVERED,
        None,
        None,
    )
    assert len(h.transport.posts) == 1
