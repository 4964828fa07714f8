"""Review 344: review 342's retry-at-once (``DeliveryService._judged``) was outside the
delivery's schedule: every failure that coincided with a move of the subscription's URL was
retried at once, however many attempts the delivery had had. A region that flips its subscription
between two endpoints it runs (each PATCH a counted challenge, 30 a minute) kept a delivery
whose schedule allows 2 attempts retrying without end -- until the queue drops the message
(14 days) -- each attempt up to 15 s of a delivery worker, and every in-flight delivery of the
subscription gets one more per flip. Expected: the schedule still bounds the delivery; a move
earns the new endpoint one try, not an unbounded series."""

from __future__ import annotations

import json

from app_support import CITY, black_entry
from delivery_support import AnsweringReceiver, Reply, as_operator, push_and_fan_out, subscribe


def test_url_flips_do_not_keep_a_failing_delivery_retrying_without_bound(
    gateway, stream, queue, hook
):
    gateway.configure(url_challenges_per_minute="100")
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    with AnsweringReceiver() as other:
        sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])  # 2 attempts
        path = f"/v1/subscriptions/{sub['subscription_id']}"
        posts: list[str] = []

        def flip_then_fail(to: str):
            def reply(_received):
                posts.append(to)
                moved = as_operator(gateway, "patch", path, json.dumps({"url": to}).encode())
                assert moved.status_code == 200, moved.json_body
                return Reply(500, "down")

            return reply

        hook.reply = flip_then_fail(other.url)
        other.reply = flip_then_fail(hook.url)
        push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
        for _ in range(12):
            queue.run()

    # the schedule's 2 attempts, and at most one more where it moved: not one per flip
    assert len(posts) <= 3, (
        len(posts),
        as_operator(gateway, "get", f"{path}/deliveries").json_body,
    )
