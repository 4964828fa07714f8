"""An objection notice sent just before a listing's end day and answered just after midnight is
judged as the listing stood when it came: its step, at the sending, does not follow an expiry
at midnight in the history (review 129: the history ran backwards in time)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from app_support import CITY, GUANGDONG, Gateway, Receiver, StreamReader, black_entry
from lifecycle_support import Lifecycle, china_today, fan_out_and_deliver, listing_path, pushed

from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA, FixedClock


class SlowAnswer(list):  # type: ignore[type-arg]
    """The receiver's request list: the notice's answer takes ``delay`` of the clock."""

    def __init__(self, clock: FixedClock, delay: timedelta) -> None:
        super().__init__()
        self.clock, self.delay = clock, delay

    def append(self, received: Any) -> None:
        if b"objection.filed" in received.body:
            self.clock.advance(self.delay)
        super().append(received)


@pytest.fixture
def clean_clock() -> Iterator[None]:
    yield
    bootstrap.override_clock(None)


def test_a_notice_answered_across_midnight_keeps_the_history_in_time_order(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver, clean_clock: None
) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    guangdong = gateway.register_platform(GUANGDONG)
    for region in (CITY, GUANGDONG):
        made = gateway.subscribe_as_operator(region=region, url=receiver.url, filters={})
        assert made.status_code == 201, made.json_body
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    code = entry["credit_code"]
    lid = pushed(gateway, city, CITY, entry)
    fan_out_and_deliver(aws, stream)
    body = {"objection_id": "o-1", "reason": "已履行"}
    filed = life.post(listing_path(code, lid) + "/objections", body, guangdong)
    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["objection"]["awaiting_notice"] is True

    midnight = datetime.combine(ends, time(), CHINA)
    clock = FixedClock(midnight - timedelta(seconds=2))  # the notice is sent at 23:59:58
    bootstrap.override_clock(clock)
    receiver.requests = SlowAnswer(clock, timedelta(seconds=5))  # answered at 00:00:03
    delivered = fan_out_and_deliver(aws, stream)
    assert "objection.filed" in [d.type for d in delivered]

    reply = gateway.client.http.get(
        f"/v1/subjects/{code}?purpose=supervision", headers=gateway.operator()
    )
    [view] = reply.json_body["listings"]
    steps = [(s["event"], s["at"]) for s in view["listing"]["history"]]
    assert "objection_noticed" in [e for e, _ in steps], steps
    times = [datetime.fromisoformat(at) for _, at in steps]
    assert times == sorted(times), steps
