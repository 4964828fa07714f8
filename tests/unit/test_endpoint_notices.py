"""The health changes a delivery attempt reports for its adapter to announce: the one warning
after a day of failures, the disabling (after five days, or at once on 410 Gone), none else."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from builders import NOW, subscription
from test_delivery import Harness

from gateway.delivery.subscription import Subscription
from gateway_client.contract.notices import DISABLED, FAILING

DAY = timedelta(days=1)


def endpoint(**fields: Any) -> Subscription:
    return Subscription.model_validate({**subscription("s-1").model_dump(), **fields})


def test_a_first_failure_or_a_success_changes_nothing_to_announce() -> None:
    assert Harness(endpoint(), status=500).service.deliver(Harness().delivery, 1).health is None
    recovered = Harness(endpoint(failing_since=NOW - 2 * DAY, warned_at=NOW - DAY), status=200)
    assert recovered.service.deliver(recovered.delivery, 1).health is None


def test_failing_for_a_day_reports_the_warning_with_when_it_will_be_disabled() -> None:
    h = Harness(endpoint(failing_since=NOW - DAY), status=500)

    change = h.service.deliver(h.delivery, 1).health

    assert change is not None
    assert change.tell_endpoint
    notice = change.notice
    assert (notice.type, notice.subscription_id, notice.subscriber_region) == (
        FAILING,
        "s-1",
        h.subscription.region,
    )
    assert (notice.failing_since, notice.disables_at, notice.timestamp) == (
        NOW - DAY,
        NOW + 4 * DAY,
        NOW,
    )
    assert json.loads(notice.to_bytes())["type"] == "subscription.failing"


def test_the_warning_is_reported_once() -> None:
    h = Harness(endpoint(failing_since=NOW - DAY), status=500)
    h.service.deliver(h.delivery, 1)
    h.clock.advance(timedelta(hours=1))

    assert h.service.deliver(h.delivery, 2).health is None


def test_five_days_of_failures_report_the_disabling_to_tell_the_endpoint() -> None:
    h = Harness(endpoint(failing_since=NOW - 5 * DAY, warned_at=NOW - 4 * DAY), status=500)

    change = h.service.deliver(h.delivery, 1).health

    assert change is not None
    assert change.tell_endpoint
    assert change.notice.type == DISABLED
    stored = h.subscriptions.get("s-1")
    assert stored is not None
    assert change.notice.disabled_reason == stored.disabled_reason


def test_a_410_reports_the_disabling_but_the_endpoint_asked_for_nothing_more() -> None:
    h = Harness(endpoint(), status=410)

    change = h.service.deliver(h.delivery, 1).health

    assert change is not None
    assert not change.tell_endpoint
    assert change.notice.disabled_reason == "the endpoint answered 410 Gone"


def test_the_same_transition_yields_the_same_notice_id() -> None:
    first = Harness(endpoint(failing_since=NOW - DAY), status=500)
    again = Harness(endpoint(failing_since=NOW - DAY), status=500, now=NOW + timedelta(hours=1))
    other = Harness(endpoint(failing_since=NOW - 2 * DAY), status=500)

    ids = [h.service.deliver(h.delivery, 1).health for h in (first, again, other)]

    assert all(ids)
    notice_ids = [change.notice.notice_id for change in ids if change]
    assert notice_ids[0] == notice_ids[1] != notice_ids[2]
