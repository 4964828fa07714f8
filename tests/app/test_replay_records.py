"""A replay has a record of its own: held back, retried, dead and re-driven as itself.

Replayed deliveries used to share their original's record, which was delivered already: a
replay held back by a pause that came after it was queued was recorded nowhere (the record
write refuses to turn a delivered record back) and lost, and a replay held behind a failing
change of its subject counted the queue's receives as its attempts, went dead early, and was
refused that record too, so no re-drive found it (review 31). Its webhook id stays its
original's, so a receiver that has the change drops the copy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import HUNAN, Gateway, black_entry, error_code
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    push_and_fan_out,
    signed,
    subscribe,
)
from delivery_support import subscription_path as path_of
from lifecycle_support import push_with_removals, removal_of

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery import Attempt, Delivery, DeliveryState
from gateway.statistics.tallies import month_of
from gateway_client.contract.signing import Ed25519Signer

SECOND_DECISION = "(2024)黑09执124号"
MEASURE = {  # what a subscriber reports of a delivery (feedback)
    "measure_id": "key_supervision",
    "department": "各行业主管部门",
    "executed_on": "2026-12-03",
    "result": "not_applicable",
}


@pytest.fixture
def province(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(HUNAN)


def webhook_ids(hook: AnsweringReceiver) -> list[str]:
    return [r.headers["webhook-id"] for r in hook.requests]


def deliveries(gateway: Gateway, signer: Ed25519Signer, created: dict[str, Any], query: str = ""):  # type: ignore[no-untyped-def]
    listed = signed(gateway, signer, "GET", path_of(created, "/deliveries" + query))
    assert listed.status_code == 200, listed.json_body
    return listed.json_body["deliveries"]


def replay(gateway: Gateway, signer: Ed25519Signer, created: dict[str, Any], **body: int) -> None:
    answer = signed(gateway, signer, "POST", path_of(created, "/replay"), body)
    assert answer.status_code == 202, answer.json_body


def test_a_replay_held_back_by_a_pause_after_it_was_queued_is_sent_on_resume(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    created = subscribe(gateway, hook.url, HUNAN)
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    [original] = webhook_ids(hook)

    replay(gateway, province, created, from_sequence=1)
    assert signed(gateway, province, "POST", path_of(created, "/pause")).status_code == 200
    queue.run()  # taken while paused: held back, on a record of its own
    assert webhook_ids(hook) == [original]
    [parked] = deliveries(gateway, province, created, "?state=dead")
    assert parked["replay_of"] == original != parked["delivery_id"]
    assert parked["attempts"][-1]["not_sent"] == "paused"

    resumed = signed(gateway, province, "POST", path_of(created, "/resume"))
    assert resumed.status_code == 200, resumed.json_body
    queue.run()

    assert webhook_ids(hook) == [original, original]  # the same webhook id: the receiver dedups
    listed = {d["delivery_id"]: d for d in deliveries(gateway, province, created)}
    assert listed[parked["delivery_id"]]["state"] == "delivered"
    assert listed[original]["state"] == "delivered"
    assert deliveries(gateway, province, created, "?state=dead") == []


def test_a_replay_held_behind_a_failing_change_gets_its_whole_schedule(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    created = subscribe(gateway, hook.url, HUNAN, retry_schedule_seconds=[0, 0, 0])
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    [first] = webhook_ids(hook)
    hook.answer(500, "down")
    # a newer change of the subject, queued first: it fails and holds the subject's group back
    newer = [black_entry(decision_number=SECOND_DECISION)]
    push_and_fan_out(gateway, stream, province, HUNAN, newer)
    replay(gateway, province, created, from_sequence=1, to_sequence=1)

    for _ in range(12):
        queue.run()

    posts = webhook_ids(hook)[1:]
    second = posts[0]
    assert posts.count(second) == 4  # schedule [0, 0, 0]: four attempts
    assert posts.count(first) == 4, posts  # the replay too, once attempted, not fewer
    dead = deliveries(gateway, province, created, "?state=dead")
    assert sorted(d.get("replay_of", d["delivery_id"]) for d in dead) == sorted([first, second])


def test_a_dead_replay_is_re_driven_by_the_operator_and_settles(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    created = subscribe(gateway, hook.url, HUNAN, retry_schedule_seconds=[0])
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    [original] = webhook_ids(hook)
    hook.answer(500, "down")
    replay(gateway, province, created, from_sequence=1)
    for _ in range(3):
        queue.run()
    [dead] = deliveries(gateway, province, created, "?state=dead")
    assert (dead["replay_of"], len(dead["attempts"])) == (original, 2)

    hook.answer(204)
    body = json.dumps({"delivery_ids": [dead["delivery_id"]]}).encode()
    redriven = as_operator(gateway, "post", path_of(created, "/redrive"), body)
    assert (redriven.status_code, redriven.json_body) == (202, {"redriven": 1})
    queue.run()

    assert webhook_ids(hook)[-1] == original
    shown = as_operator(gateway, "get", f"/v1/deliveries/{dead['delivery_id']}")
    assert (shown.json_body["state"], len(shown.json_body["attempts"])) == ("delivered", 3)
    assert deliveries(gateway, province, created, "?state=dead") == []


def test_a_replay_delivered_settles_an_original_that_went_dead(
    gateway: Gateway,
    aws: Any,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    """Receipts and a purge's tombstones find who holds a listing by its original's record."""
    created = subscribe(gateway, hook.url, HUNAN, retry_schedule_seconds=[0])
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    for _ in range(3):
        queue.run()
    [dead] = deliveries(gateway, province, created, "?state=dead")
    listing_id = dead["listing_id"]
    assert container().deliveries.subscriptions_that_received(listing_id) == set()

    hook.answer(204)
    replay(gateway, province, created, from_sequence=1)
    queue.run()

    shown = as_operator(gateway, "get", f"/v1/deliveries/{dead['delivery_id']}")
    assert shown.json_body["state"] == "delivered"
    received = container().deliveries.subscriptions_that_received(listing_id)
    assert received == {created["subscription_id"]}
    assert deliveries(gateway, province, created, "?state=dead") == []


def test_feedback_names_the_delivery_not_a_replay_of_it(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    """One report a delivery: a replay's record is not a second delivery to report on."""
    created = subscribe(gateway, hook.url, HUNAN)
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    replay(gateway, province, created, from_sequence=1)
    queue.run()
    [replayed] = [d for d in deliveries(gateway, province, created) if "replay_of" in d]
    body = {"delivery_id": replayed["delivery_id"], "measures": [MEASURE]}

    answer = signed(gateway, province, "POST", "/v1/feedback", body)

    assert (answer.status_code, error_code(answer)) == (404, "not_found")
    assert answer.json_body["error"]["path"] == "delivery_id"
    assert container().feedback.for_listing(replayed["listing_id"]) == []


def received_by_replay_alone(
    gateway: Gateway, stream: Any, queue: DeliveryQueue, province: Ed25519Signer, hook: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A change the subscription's filters left out at fan-out, replayed once they were
    widened: no original was ever planned (review 32, F1). The subscription, entry, body."""
    created = subscribe(gateway, hook.url, HUNAN, filters={"kinds": ["red"]})
    entry = black_entry()
    push_and_fan_out(gateway, stream, province, HUNAN, [entry])
    queue.run()
    assert hook.requests == []
    widened = signed(gateway, province, "PATCH", path_of(created), {"filters": {}})
    assert widened.status_code == 200, widened.json_body
    replay(gateway, province, created, from_sequence=1)
    queue.run()
    [sent] = [json.loads(r.body) for r in hook.requests]
    return created, entry, sent


def test_a_change_received_by_replay_alone_is_received_reported_on_and_counted_once(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    created, _, sent = received_by_replay_alone(gateway, stream, queue, province, hook)
    subscription_id = created["subscription_id"]

    received = container().receipts.subscriptions_that_received(
        sent["data"]["listing"]["listing_id"]
    )
    body = {"delivery_id": sent["delivery_id"], "measures": [MEASURE]}
    reported = signed(gateway, province, "POST", "/v1/feedback", body)
    counted = container().statistics.read(HUNAN, month_of(container().clock.now()))

    assert subscription_id in received
    assert reported.status_code == 201, reported.json_body
    assert sum(c.get(f"delivered#{subscription_id}", 0) for c in counted.values()) == 1


def test_a_change_received_by_replay_alone_hears_its_revocation_after_narrowing(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    """A listing the subscription holds is settled there when it ends, filters or not."""
    created, entry, _ = received_by_replay_alone(gateway, stream, queue, province, hook)
    narrowed = signed(gateway, province, "PATCH", path_of(created), {"filters": {"kinds": ["red"]}})
    assert narrowed.status_code == 200, narrowed.json_body
    hook.requests.clear()

    revoked = push_with_removals(gateway, province, HUNAN, [removal_of(entry, "revoked")])
    assert revoked.status_code == 200, revoked.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()

    assert [json.loads(r.body)["data"]["type"] for r in hook.requests] == ["revoked"]


def test_a_replay_queued_by_the_release_before_and_held_back_is_sent_on_resume(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    """In flight across the upgrade, without a record of its own (review 32, F3)."""
    created = subscribe(gateway, hook.url, HUNAN)
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    replay(gateway, province, created, from_sequence=1)
    [queued] = queue.take()
    legacy = queued.model_copy(update={"record_id": None})  # as the release before queued it
    container().queue.enqueue([legacy], ":replay:before")

    assert signed(gateway, province, "POST", path_of(created, "/pause")).status_code == 200
    queue.run()
    assert len(hook.requests) == 1
    assert signed(gateway, province, "POST", path_of(created, "/resume")).status_code == 200
    queue.run()

    assert webhook_ids(hook) == [queued.delivery_id] * 2


def dead_at_once(
    gateway: Gateway, stream: Any, queue: DeliveryQueue, province: Ed25519Signer, hook: Any
) -> tuple[dict[str, Any], str]:
    """A subscription whose one delivery went dead (its endpoint down); that delivery's id."""
    created = subscribe(gateway, hook.url, HUNAN, retry_schedule_seconds=[0])
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    for _ in range(3):
        queue.run()
    [dead] = deliveries(gateway, province, created, "?state=dead")
    return created, dead["delivery_id"]


def test_a_replay_cut_short_before_its_original_is_settled_settles_it_when_sent_again(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The original first, then the replay's own record: the other way round, a function cut
    short between the two left the replay settled, its message dropped when sent back, and the
    original dead for ever (review 34, F1)."""
    created, original = dead_at_once(gateway, stream, queue, province, hook)
    hook.answer(204)
    replay(gateway, province, created, from_sequence=1)
    [replayed] = queue.take()
    recording = DynamoDeliveryLog.record
    failures = [RuntimeError("the function was cut short")]

    def cut_short(self: DynamoDeliveryLog, delivery: Delivery, *args: Any) -> None:
        if failures and delivery.record_id is None:  # the original's settling write
            raise failures.pop()
        recording(self, delivery, *args)

    monkeypatch.setattr(DynamoDeliveryLog, "record", cut_short)
    service = container().delivery_service
    with pytest.raises(RuntimeError):
        service.deliver(replayed, 1)
    service.deliver(replayed, 2)  # the queue sends it again

    assert container().deliveries.state(original) is DeliveryState.DELIVERED
    assert container().deliveries.progress(replayed.record_key).state is DeliveryState.DELIVERED
    assert webhook_ids(hook)[-2:] == [original, original]  # sent twice: the receiver dedups


def test_a_replay_recorded_by_the_release_before_is_re_driven_as_its_original(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    province: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    """That release recorded a failed replay on its original's record, ``replay`` kept in it:
    re-driven, it was attempted on a new record and the reopened original stayed retrying,
    listed nowhere dead, with nothing queued (review 34, F2)."""
    created, original = dead_at_once(gateway, stream, queue, province, hook)
    rebuilt = container().resending.rebuilt(original)
    assert rebuilt is not None
    failed = Attempt(at=container().clock.now(), status=500, latency_ms=3, response_excerpt="")
    container().deliveries.record(
        rebuilt.model_copy(update={"replay": True}), failed, DeliveryState.DEAD
    )

    body = json.dumps({"delivery_ids": [original]}).encode()
    redriven = as_operator(gateway, "post", path_of(created, "/redrive"), body)
    assert (redriven.status_code, redriven.json_body) == (202, {"redriven": 1})
    for _ in range(3):
        queue.run()

    listed = deliveries(gateway, province, created)
    assert [(d["delivery_id"], d["state"]) for d in listed] == [(original, "dead")]
