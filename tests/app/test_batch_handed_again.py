"""A stream batch the trigger hands again split otherwise (Lambda bisects a batch whose
invocation failed or timed out after it had queued), or after its subscription turned from
batched to single delivery, delivers no change a second time and counts none twice: the lines
of delivered batches are looked up by log range before a file is announced or a single
delivery sent (review 259)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import HUNAN
from batch_world import World, counted, world
from delivery_support import as_operator, signed, subscription_path

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery.records import Attempt, DeliveryState
from gateway_client.contract import BATCH_EVENT

__all__ = ["world"]  # the fixture, imported for pytest to find


def test_a_bisected_retry_of_a_fanned_out_stream_batch_delivers_no_line_twice(world: World) -> None:
    mine, event = world.pushed()
    world.fan_out(event)  # queued; the invocation then fails (timeout)
    world.queue.run()  # the batch is delivered meanwhile
    assert [json.loads(r.body)["type"] for r in world.hook.requests] == [BATCH_EVENT]

    # Lambda splits the failed batch in two and hands each half again
    world.fan_out(event, 2)
    gateway_app.fan_out_changes({"Records": event["Records"][2:]}, None)
    world.queue.run()
    world.queue.run()

    ids = [x["delivery_id"] for x in world.listed(mine)]
    assert counted(mine) == 3  # each change counted once as delivered
    assert len(ids) == len(set(ids)) == 3, ids  # and listed once
    assert len(world.hook.requests) == 1  # the subscriber is sent each change once


@pytest.mark.parametrize(
    ("first", "then"), [("batched", "single"), ("single", "batched"), ("batched", "batched")]
)
def test_a_stream_batch_handed_again_after_a_mode_switch_delivers_no_change_twice(
    world: World, first: str, then: str
) -> None:
    """The stream hands a batch at least once: the same records again, whole, after the
    subscriber switched its delivery mode (or did not), are recognised as delivered already:
    from single to batched, the lines logged before the turn are looked up by their records."""
    province = world.gateway.register_platform(HUNAN)
    mine, event = world.pushed(first)
    world.fan_out(event)
    world.queue.run()
    world.queue.run()
    sent_first = len(world.hook.requests)
    change = {"delivery_mode": then}
    switched = signed(world.gateway, province, "PATCH", subscription_path(mine), change)
    assert switched.status_code == 200, switched.json_body

    world.fan_out(event)  # the same stream batch, handed again
    world.queue.run()
    world.queue.run()

    assert counted(mine) == 3  # each change counted once as delivered
    assert len(world.hook.requests) == sent_first  # nothing is sent again


def test_a_copy_of_a_dropped_batch_message_is_not_a_dead_batch(world: World) -> None:
    """Review 260: a batch none of whose lines was left to send recorded nothing, so a later
    copy of its message (a queue hands one at least once) found its file gone, and made it a
    dead batch for the operator to replay."""
    mine, event = world.pushed()
    world.fan_out(event)
    world.queue.run()

    world.fan_out(event, 2)  # handed again, split
    copy = world.queue.event()
    assert copy["Records"], "the split batch was queued"
    world.queue.run(copy)  # every line delivered already: dropped
    gateway_app.deliver_webhooks(copy, None)  # a later copy of the same message

    states = [x["state"] for x in world.listed(mine)]
    assert (states, len(world.hook.requests), counted(mine)) == (["delivered"] * 3, 1, 3)


def test_a_held_back_copy_of_a_delivered_batch_records_no_line_dead(world: World) -> None:
    """Review 262: held back (the subscription paused), the copy recorded each line dead,
    delivered though it was; resumed, they were re-driven, dropped, and stayed retrying."""
    mine, event = world.pushed()
    world.fan_out(event)
    world.queue.run()
    as_operator(world.gateway, "post", subscription_path(mine, "/pause"))
    world.fan_out(event, 2)  # handed again, split
    world.queue.run()  # held back: paused

    assert world.listed(mine, "?state=dead") == []
    resumed = as_operator(world.gateway, "post", subscription_path(mine, "/resume"))
    assert resumed.status_code == 200
    world.queue.run()
    states = [x["state"] for x in world.listed(mine)]
    assert (states, len(world.hook.requests), counted(mine)) == (["delivered"] * 3, 1, 3)


def test_a_settle_that_failed_leaves_the_batch_to_settle_when_its_message_comes_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 262: the file went before the record that settles the batch was written; that
    write failing, the message came again to a file gone, and the batch was made dead."""
    mine, event = world.pushed()
    world.fan_out(event)
    world.queue.run()
    world.fan_out(event, 2)  # handed again, split
    copy = world.queue.event()
    settling = DynamoDeliveryLog.delivered_batch
    failed: list[bool] = []

    def throttled_once(log: Any, batch: Any, attempt: Any, lines: Any) -> None:
        if not lines and not failed:
            failed.append(True)
            raise RuntimeError("ProvisionedThroughputExceeded (simulated)")
        settling(log, batch, attempt, lines)

    monkeypatch.setattr(DynamoDeliveryLog, "delivered_batch", throttled_once)
    assert gateway_app.deliver_webhooks(copy, None)["batchItemFailures"]  # handed back
    gateway_app.deliver_webhooks(copy, None)  # the same message, handed again

    states = [x["state"] for x in world.listed(mine)]
    assert (states, len(world.hook.requests), counted(mine)) == (["delivered"] * 3, 1, 3)


def test_a_partly_dropped_batch_counts_only_the_lines_it_sent_in_activity(world: World) -> None:
    """Review 264: two lines delivered in one file, then the three records again (a file drawn
    otherwise, its two lines taken out): the activity counts counted the file as queued, 5."""
    mine, event = world.pushed()
    world.fan_out(event, 2)
    world.queue.run()
    world.fan_out(event)  # the same records and one more
    world.queue.run()

    sent = [json.loads(r.body) for r in world.hook.requests]
    assert [x["type"] for x in sent] == [BATCH_EVENT, BATCH_EVENT]
    assert [x["count"] for x in sent] == [2, 1]  # the second file: its new line only
    assert counted(mine) == 3  # the monthly statistics: right
    reply = as_operator(world.gateway, "get", "/v1/activity?hours=1").json_body
    assert reply["hours"][-1]["deliveries"]["delivered"] == 3, reply["hours"][-1]


def test_a_redriven_line_delivered_in_another_batch_does_not_stay_retrying(world: World) -> None:
    """Review 264: a file died (its lines got dead records); a split copy of its first two lines
    was then delivered. Re-driven, those two were dropped as sent already, their own records
    left retrying for good, no message left to settle them: now they go, the batch holds them."""
    mine = world.dead_then_split_delivered()

    redriven = as_operator(world.gateway, "post", subscription_path(mine, "/redrive"))
    assert redriven.status_code == 202, redriven.json_body
    world.queue.run()
    world.queue.run()

    states = sorted((x["state"], x["delivery_id"]) for x in world.listed(mine))
    assert not [s for s in states if s[0] == "retrying"], states
    own = [as_operator(world.gateway, "get", f"/v1/deliveries/{d}").json_body for _, d in states]
    assert sorted(v.get("state") or v["error"]["code"] for v in own) == [
        "delivered",  # the third, re-driven singly
        "not_found",  # a line has no record of its own (as the 404 says)
        "not_found",
    ]
    assert world.listed(mine, "?state=retrying") == []


def test_a_replay_after_a_split_copy_counts_no_line_twice(world: World) -> None:
    """Review 266: the two lines delivered in a split copy kept their dead records (from the
    dead file); a replay then settled those originals delivered and counted them again."""
    mine = world.dead_then_split_delivered()

    path = subscription_path(mine, "/replay")
    replayed = as_operator(world.gateway, "post", path, b'{"from_sequence": 1}')
    assert replayed.status_code == 202, replayed.json_body
    world.queue.run()
    world.queue.run()

    plain = [x["delivery_id"] for x in world.listed(mine) if "replay_of" not in x]
    assert counted(mine) == 3, plain  # three changes, each counted delivered once
    assert len(plain) == len(set(plain)) == 3, plain


def test_a_legacy_replay_of_a_delivered_line_is_still_sent(world: World) -> None:
    """Review 266: a replay queued before replays had records of their own goes on as its
    original: taken for a line sent already, it was dropped and the record of its attempts
    deleted, the replay asked for never sent."""
    mine, event = world.pushed()
    world.fan_out(event)
    world.queue.run()  # one file, delivered

    path = subscription_path(mine, "/replay")
    replayed = as_operator(world.gateway, "post", path, b'{"from_sequence": 1}')
    assert replayed.status_code == 202, replayed.json_body
    first = world.queue.take()[0]
    # as the release before queued it: no record of its own; its first attempt failed and
    # was written on the original's record (retrying)
    legacy = first.model_copy(update={"record_id": None})
    assert legacy.replay
    log = container().deliveries
    failed = Attempt(at=container().clock.now(), status=500, latency_ms=1, response_excerpt="")
    log.record(legacy.original(), failed, DeliveryState.RETRYING)
    container().delivery_service.deliver(legacy, 2)

    assert len(world.hook.requests) == 2  # sent
    assert log.progress(legacy.delivery_id).state is DeliveryState.DELIVERED
