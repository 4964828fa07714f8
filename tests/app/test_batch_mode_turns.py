"""Turns between single and batched delivery, and a batch file gone (review 268): a stream batch
handed again after a subscription turned sends no change twice; a batch still retrying when its
subscription turned single repeats none of the single deliveries made since (each line's own
record is looked up); a turn to batched on a stale read is 503 ``busy``, nothing written; a
replay of a batch whose file expired is recorded and counted under the changes' webhook ids."""

from __future__ import annotations

import json

import pytest
from app_support import HUNAN
from batch_world import World, counted, world
from delivery_support import as_operator, signed, subscription_path

from chalicelib.bootstrap import container
from gateway.delivery import SubscriptionChanges
from gateway_client.contract import Busy

__all__ = ["world"]  # the fixture, imported for pytest to find


def test_a_replay_of_an_expired_batch_file_is_recorded_and_counted(world: World) -> None:
    """The dead batch's note says "replay log entries 1-3": a subscription that ever took
    batches left the replay unrecorded and uncounted, as if its changes were lines of a
    delivered batch."""
    mine, event = world.pushed()
    world.fan_out(event)
    bucket = world.aws.env["CG_ARCHIVE_BUCKET"]
    listed = world.aws.s3.list_objects_v2(Bucket=bucket, Prefix="batches/")
    [key] = [x["Key"] for x in listed.get("Contents", [])]
    world.aws.s3.delete_object(Bucket=bucket, Key=key)
    world.queue.run()  # dead: its file is gone
    assert world.hook.requests == []

    path = subscription_path(mine, "/replay")
    replayed = as_operator(world.gateway, "post", path, b'{"from_sequence": 1}')
    assert replayed.status_code == 202, replayed.json_body
    world.queue.run()
    world.queue.run()

    ids = [r.headers.get("webhook-id") for r in world.hook.requests]
    views = [as_operator(world.gateway, "get", f"/v1/deliveries/{i}") for i in ids]
    states = [(v.status_code, v.json_body.get("state")) for v in views]
    assert (states, counted(mine)) == ([(200, "delivered")] * 3, 3)


def test_a_retrying_batch_after_a_turn_to_single_repeats_no_change(world: World) -> None:
    province = world.gateway.register_platform(HUNAN)
    world.hook.answer(500, "down")
    mine, event = world.pushed(retry_schedule_seconds=[0, 0])
    world.fan_out(event)
    world.queue.run()  # the batch's first attempt fails: retrying
    change = {"delivery_mode": "single"}
    switched = signed(world.gateway, province, "PATCH", subscription_path(mine), change)
    assert switched.status_code == 200, switched.json_body
    world.hook.answer(204)
    world.fan_out(event)  # the same stream records, handed again
    queued = world.queue.event()["Records"]
    batch = [r for r in queued if '"key"' in r["body"]]
    singles = [r for r in queued if r not in batch]
    assert (len(batch), len(singles)) == (1, 3)
    world.queue.run({"Records": singles})  # the single deliveries get through first
    world.queue.run({"Records": batch})  # then the batch's retry

    types = [json.loads(r.body)["type"] for r in world.hook.requests[1:]]
    assert (counted(mine), len(types)) == (3, 3)  # each change sent and counted once


def test_a_turn_to_batched_on_a_stale_read_is_busy_and_writes_nothing(world: World) -> None:
    province = world.gateway.register_platform(HUNAN)
    mine, event = world.pushed("single")
    sid = mine["subscription_id"]
    world.fan_out(event)
    world.queue.run()
    assert len(world.hook.requests) == 3  # sent singly
    path = subscription_path(mine)
    turn = {"delivery_mode": "batched"}
    assert signed(world.gateway, province, "PATCH", path, turn).status_code == 200
    stale = container().subscriptions.get(sid)  # request B reads it: batched
    assert stale is not None
    assert stale.batched_from == 3
    back = {"delivery_mode": "single"}  # request A lands first
    assert signed(world.gateway, province, "PATCH", path, back).status_code == 200

    with pytest.raises(Busy):  # request B, on its stale read
        container().subscription_admin.update(stale, SubscriptionChanges(delivery_mode="batched"))
    held = container().subscriptions.get(sid)
    assert held is not None
    assert held.delivery_mode == "single"
    again = signed(world.gateway, province, "PATCH", path, turn)
    assert again.status_code == 200, again.json_body

    world.fan_out(event)  # the same stream batch, handed again
    world.queue.run()
    stored = container().subscriptions.get(sid)
    assert stored is not None
    assert (stored.batched_from, len(world.hook.requests)) == (3, 3)
