"""A replay goes through at most ``REPLAY_SPAN`` log entries a request, so a province replaying
a national log is answered inside one API request's time and memory: the reply names where the
range asked goes on, and the next request takes it from there; a subscribing region may send
``CG_REPLAYS_PER_MINUTE`` replay requests a minute, for all its subscriptions together (429
``rate_limited``, nothing queued)."""

from __future__ import annotations

import pytest
from app_support import error_code
from test_log_routes import (
    city,
    delivery_queue,
    listings,
    operator_post,
    push_and_fan_out,
    subscribe,
)

from gateway.delivery import resending

__all__ = ["city"]  # the fixture, shared


@pytest.fixture
def path(gateway, aws, stream, city, receiver, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """A subscription's replay route, three entries logged, two entries a request."""
    monkeypatch.setattr(resending, "REPLAY_SPAN", 2)
    subscription_id = subscribe(gateway, receiver.url)
    push_and_fan_out(gateway, stream, city, listings(3))
    delivery_queue(gateway, aws)
    return f"/v1/subscriptions/{subscription_id}/replay"


def test_a_long_range_is_replayed_request_after_request_each_entry_once_in_order(
    gateway, aws, path
):

    pages, start, replayed = [], 1, []
    while start is not None:
        reply = operator_post(gateway, path, {"from_sequence": start})
        assert reply.status_code == 202, reply.json_body
        pages.append((reply.json_body["from_sequence"], reply.json_body["to_sequence"]))
        replayed += delivery_queue(gateway, aws)
        start = reply.json_body["next_from_sequence"]

    assert pages == [(1, 2), (3, 3)]
    assert [d.log_sequence for d in replayed] == [1, 2, 3]


def test_an_end_asked_within_the_span_is_kept_and_nothing_follows(gateway, path):

    reply = operator_post(gateway, path, {"from_sequence": 2, "to_sequence": 3})

    assert reply.json_body == {
        "from_sequence": 2,
        "to_sequence": 3,
        "queued": 2,
        "next_from_sequence": None,
    }


def test_replays_over_the_limit_a_minute_are_refused_and_queue_nothing(
    gateway, aws, stream, city, receiver
):
    gateway.configure(replays_per_minute="2")
    subscription_id = subscribe(gateway, receiver.url)
    another = subscribe(gateway, receiver.url)  # the same region's: the same budget
    push_and_fan_out(gateway, stream, city, listings(1))
    delivery_queue(gateway, aws)
    path = f"/v1/subscriptions/{subscription_id}/replay"

    refused_first = [operator_post(gateway, path, {"from_sequence": 9}) for _ in range(3)]
    taken = [operator_post(gateway, path, {"from_sequence": 1}) for _ in range(2)]
    queued = delivery_queue(gateway, aws)
    refused = operator_post(gateway, f"/v1/subscriptions/{another}/replay", {"from_sequence": 1})

    assert [r.status_code for r in refused_first] == [400] * 3  # counted for nothing
    assert [r.status_code for r in taken] == [202, 202]
    assert len(queued) == 2
    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert int({k.lower(): v for k, v in refused.headers.items()}["retry-after"]) >= 1
    assert delivery_queue(gateway, aws) == []
