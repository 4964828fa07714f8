"""Review 342: an attempt whose endpoint is no longer the subscription's when it answers (the
owner moved the URL while the POST was out) moves no health (``EndpointWatch._on_endpoint``);
but if that old endpoint answers 410 Gone, the delivery itself is judged dead there and then,
and the new endpoint — verified, enabled — never gets the change: nothing disabled the
subscription, so ``enable`` is not called, and only the operator's re-drive would send it."""

from __future__ import annotations

import json

from app_support import CITY, black_entry
from delivery_support import Reply, as_operator, push_and_fan_out, subscribe


def test_a_410_from_an_endpoint_moved_away_from_does_not_kill_the_delivery(
    gateway, stream, queue, hook, receiver
):
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0, 0, 0])
    path = f"/v1/subscriptions/{sub['subscription_id']}"

    def moved_then_gone(_received):
        # the owner points the subscription at its new endpoint while this POST is out
        moved = as_operator(gateway, "patch", path, json.dumps({"url": receiver.url}).encode())
        assert moved.status_code == 200, moved.json_body
        return Reply(410, "this old endpoint is retired")

    hook.reply = moved_then_gone
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    view = as_operator(gateway, "get", path).json_body
    assert (view["url"], view["state"], view["enabled"]) == (receiver.url, "verified", True)

    for _ in range(4):
        queue.run()

    # the change reaches the subscription's endpoint: the old one's 410 was not its answer
    assert len(receiver.requests) == 1, as_operator(gateway, "get", f"{path}/deliveries").json_body


def test_a_410_to_a_batch_from_an_endpoint_moved_away_from_does_not_kill_its_lines(
    gateway, stream, queue, hook, receiver
):
    """The same for batched delivery: the old endpoint's 410 to the file's announcement
    records every line dead, none reaches the new endpoint."""
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0, 0, 0], delivery_mode="batched")
    path = f"/v1/subscriptions/{sub['subscription_id']}"

    def moved_then_gone(_received):
        moved = as_operator(gateway, "patch", path, json.dumps({"url": receiver.url}).encode())
        assert moved.status_code == 200, moved.json_body
        return Reply(410, "this old endpoint is retired")

    hook.reply = moved_then_gone
    entries = [black_entry(), black_entry(decision_number="(2024)黑09执124号")]
    push_and_fan_out(gateway, stream, city, CITY, entries)
    for _ in range(5):
        queue.run()

    assert [json.loads(r.body)["type"] for r in hook.requests] == ["deliveries.batch"]
    got = [json.loads(r.body).get("type") for r in receiver.requests]
    assert got, as_operator(gateway, "get", f"{path}/deliveries").json_body


def test_a_last_attempt_failing_at_an_endpoint_moved_away_from_does_not_kill_the_delivery(
    gateway, stream, queue, hook, receiver
):
    """The same for the schedule's last attempt: it failed at the old endpoint after the owner
    moved to a working one, which is never tried."""
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    path = f"/v1/subscriptions/{sub['subscription_id']}"
    calls = []

    def failing(_received):
        calls.append(1)
        if len(calls) == 2:  # the last attempt: the owner moves while it is out
            moved = as_operator(gateway, "patch", path, json.dumps({"url": receiver.url}).encode())
            assert moved.status_code == 200, moved.json_body
        return Reply(500, "old endpoint down")

    hook.reply = failing
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    for _ in range(5):
        queue.run()

    assert len(calls) == 2
    assert len(receiver.requests) == 1, as_operator(gateway, "get", f"{path}/deliveries").json_body
