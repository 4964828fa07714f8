"""Deliveries through the app: FIFO hold-back per subject, dead deliveries and their attempts,
re-drive, and re-enabling an endpoint a 410 disabled."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    OTHER_CREDIT_CODE,
    Gateway,
    Received,
    StreamReader,
    black_entry,
    error_code,
    refusal,
)
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    Reply,
    as_operator,
    as_platform,
    push_and_fan_out,
    subscribe,
)

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery.planning import Delivery
from gateway.delivery.records import DeliveryState
from gateway_client.contract.signing import Ed25519Signer

SECOND_DECISION = "(2024)黑09执124号"


def other_subject_entry() -> dict[str, Any]:
    return black_entry(
        credit_code=OTHER_CREDIT_CODE,
        subject_name="长沙某某商贸有限公司",
        decision_number="(2024)黑09执200号",
    )


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    """The platform that pushes listings; the subscriber is 湖南."""
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


def delivery_log(aws: Any) -> DynamoDeliveryLog:
    return DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])


def posts_about(hook: AnsweringReceiver, code: str) -> list[Received]:
    return [
        r for r in hook.requests if json.loads(r.body)["data"]["listing"]["credit_code"] == code
    ]


def failing_for(code: str) -> Callable[[Received], Reply]:
    """A receiver script: 500 for changes about ``code``, 204 for anything else."""

    def reply(received: Received) -> Reply:
        about = json.loads(received.body)["data"]["listing"]["credit_code"]
        return Reply(500, "down for maintenance") if about == code else Reply(204)

    return reply


def groups(event: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The event's records by FIFO message group, in order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for record in event["Records"]:
        found.setdefault(record["attributes"]["MessageGroupId"], []).append(record)
    return found


def body_of(record: dict[str, Any]) -> Delivery:
    return Delivery.model_validate_json(record["body"])


# -- FIFO: a failure holds back the rest of its group in the batch --


def test_after_a_failure_the_rest_of_that_subjects_group_waits_but_other_subjects_go(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.reply = failing_for(CREDIT_CODE)
    subscribe(gateway, hook.url)
    push_and_fan_out(
        gateway,
        stream,
        city,
        CITY,
        [black_entry(), black_entry(decision_number=SECOND_DECISION), other_subject_entry()],
    )
    event = queue.event()
    by_subject = {body_of(g[0]).change.listing.credit_code: g for g in groups(event).values()}
    [first, second] = by_subject[CREDIT_CODE]  # one message group: same subscription, subject
    [other] = by_subject[OTHER_CREDIT_CODE]

    outcome = gateway_app.deliver_webhooks(event, None)

    failed = {f["itemIdentifier"] for f in outcome["batchItemFailures"]}
    assert failed == {first["messageId"], second["messageId"]}
    assert len(posts_about(hook, CREDIT_CODE)) == 1  # the first only
    assert len(posts_about(hook, OTHER_CREDIT_CODE)) == 1
    log = delivery_log(aws)
    assert log.state(body_of(first).delivery_id) is DeliveryState.RETRYING
    assert log.state(body_of(second).delivery_id) is None  # never attempted
    assert log.state(body_of(other).delivery_id) is DeliveryState.DELIVERED


def test_once_the_receiver_recovers_the_held_back_change_follows_in_order(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.answer(500, "down")
    subscribe(gateway, hook.url, retry_schedule_seconds=[0, 0])
    push_and_fan_out(
        gateway, stream, city, CITY, [black_entry(), black_entry(decision_number=SECOND_DECISION)]
    )
    event = queue.event()
    [[first, second]] = groups(event).values()
    queue.run(event)
    hook.answer(204)

    outcome = queue.run()

    assert outcome == {"batchItemFailures": []}
    assert [r.headers["webhook-id"] for r in hook.requests] == [
        body_of(first).delivery_id,
        body_of(first).delivery_id,
        body_of(second).delivery_id,
    ]
    assert (body_of(first).sequence or 0) < (body_of(second).sequence or 0)


def test_a_held_back_change_gets_its_own_retries_once_it_is_attempted(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    # One retry allowed: two attempts per delivery. The second change waits while the first
    # uses both of its attempts; its own first attempt must not count as its last.
    hook.answer(500, "down")
    subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    push_and_fan_out(
        gateway, stream, city, CITY, [black_entry(), black_entry(decision_number=SECOND_DECISION)]
    )
    event = queue.event()
    [[first, second]] = groups(event).values()
    queue.run(event)  # first: attempt 1 of 2; second: held back

    queue.run()  # first: attempt 2 of 2, dead; second: its first attempt

    log = delivery_log(aws)
    second_id = body_of(second).delivery_id
    assert log.state(body_of(first).delivery_id) is DeliveryState.DEAD
    assert [r.headers["webhook-id"] for r in hook.requests].count(second_id) == 1
    assert log.state(second_id) is DeliveryState.RETRYING


def test_a_long_own_schedule_is_followed_to_its_end(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    # Up to 20 steps are accepted; nine steps allow ten attempts, then the delivery is dead.
    hook.answer(500, "down")
    subscribe(gateway, hook.url, retry_schedule_seconds=[0] * 9)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])

    for _ in range(12):
        queue.run()

    [delivery_id] = {r.headers["webhook-id"] for r in hook.requests}
    assert len(hook.requests) == 10
    assert delivery_log(aws).state(delivery_id) is DeliveryState.DEAD


# -- dead deliveries and their attempts --


@dataclass(frozen=True)
class Dead:
    subscription_id: str
    delivery_id: str


@pytest.fixture
def dead(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> Dead:
    """One delivery run to exhaustion against a receiver answering 500 (two attempts)."""
    hook.answer(500, "upstream down")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    assert len(queue.run()["batchItemFailures"]) == 1
    assert queue.run() == {"batchItemFailures": []}
    [parked] = queue.dead_letters()
    return Dead(sub["subscription_id"], parked.delivery_id)


def deliveries_path(dead: Dead, state: str | None = None) -> str:
    query = f"?state={state}" if state else ""
    return f"/v1/subscriptions/{dead.subscription_id}/deliveries{query}"


def test_an_exhausted_delivery_is_listed_and_shown_as_dead_with_both_attempts(
    gateway: Gateway, dead: Dead
) -> None:
    response = as_operator(gateway, "get", deliveries_path(dead, "dead"))

    assert response.status_code == 200
    [listed] = response.json_body["deliveries"]
    assert (listed["delivery_id"], listed["subscription_id"], listed["state"]) == (
        dead.delivery_id,
        dead.subscription_id,
        "dead",
    )
    attempts = listed["attempts"]
    assert [(a["status"], a["response_excerpt"]) for a in attempts] == [
        (500, "upstream down"),
        (500, "upstream down"),
    ]
    assert all(isinstance(a["latency_ms"], int) and a["latency_ms"] >= 0 for a in attempts)
    assert attempts[0]["at"] <= attempts[1]["at"]
    shown = as_operator(gateway, "get", f"/v1/deliveries/{dead.delivery_id}")
    assert listed.pop("listed_at") == listed["updated_at"]  # in the index: its last attempt
    assert (shown.status_code, shown.json_body) == (200, listed)  # no place outside a list


def test_the_state_filter_keeps_only_deliveries_in_that_state(gateway: Gateway, dead: Dead) -> None:
    retrying = as_operator(gateway, "get", deliveries_path(dead, "retrying"))
    delivered = as_operator(gateway, "get", deliveries_path(dead, "delivered"))
    every = as_operator(gateway, "get", deliveries_path(dead))

    assert (retrying.json_body, delivered.json_body) == (
        {"deliveries": [], "next": None},
        {"deliveries": [], "next": None},
    )
    assert [d["delivery_id"] for d in every.json_body["deliveries"]] == [dead.delivery_id]


def test_the_subscribing_regions_platform_may_read_its_deliveries(
    gateway: Gateway, dead: Dead
) -> None:
    hunan = gateway.register_platform(HUNAN)

    listed = as_platform(gateway, hunan, "get", deliveries_path(dead, "dead"))
    shown = as_platform(gateway, hunan, "get", f"/v1/deliveries/{dead.delivery_id}")

    assert (listed.status_code, shown.status_code) == (200, 200)
    assert [d["delivery_id"] for d in listed.json_body["deliveries"]] == [dead.delivery_id]
    assert shown.json_body["state"] == "dead"


@pytest.mark.parametrize("state", ["failed", ""], ids=["unknown", "empty"])
def test_an_unknown_state_is_refused_with_its_path(
    gateway: Gateway, hook: AnsweringReceiver, city: Ed25519Signer, state: str
) -> None:
    """Review 48: an empty ``state`` answered every delivery, unfiltered."""
    sub = subscribe(gateway, hook.url)
    path = f"/v1/subscriptions/{sub['subscription_id']}/deliveries?state={state}"

    response = as_operator(gateway, "get", path)

    assert response.status_code == 400
    assert (error_code(response), response.json_body["error"]["path"]) == (
        "invalid_schema",
        "state",
    )


def test_another_regions_platform_may_not_see_or_redrive_the_deliveries(
    gateway: Gateway, dead: Dead, city: Ed25519Signer, queue: DeliveryQueue
) -> None:
    listed = as_platform(gateway, city, "get", deliveries_path(dead, "dead"))
    shown = as_platform(gateway, city, "get", f"/v1/deliveries/{dead.delivery_id}")
    path = f"/v1/subscriptions/{dead.subscription_id}/redrive"
    redriven = as_platform(gateway, city, "post", path, b"{}")

    assert [(r.status_code, error_code(r)) for r in (listed, shown, redriven)] == [
        (403, "region_mismatch"),
        (403, "region_mismatch"),
        (403, "operator_only"),
    ]
    assert [r.json_body["error"].get("path") for r in (listed, shown)] == [
        "subscription_id",
        "delivery_id",
    ]
    assert queue.take() == []


def test_an_unknown_delivery_is_not_found(gateway: Gateway) -> None:
    response = as_operator(gateway, "get", "/v1/deliveries/msg_nope")

    assert (response.status_code, error_code(response)) == (404, "not_found")


# -- re-drive --


def redrive(gateway: Gateway, dead: Dead, body: dict[str, Any] | None = None) -> Any:
    payload = json.dumps(body).encode() if body is not None else b""
    return as_operator(
        gateway, "post", f"/v1/subscriptions/{dead.subscription_id}/redrive", payload
    )


def test_only_the_operator_redrives_not_the_subscriptions_owner(
    gateway: Gateway, aws: Any, dead: Dead, queue: DeliveryQueue
) -> None:
    """The owner sees its dead letters and may re-enable its endpoint; re-driving is the
    operator's call."""
    hunan = gateway.register_platform(HUNAN)
    path = f"/v1/subscriptions/{dead.subscription_id}/redrive"

    seen = as_platform(gateway, hunan, "get", deliveries_path(dead, "dead"))
    by_owner = as_platform(gateway, hunan, "post", path, b"{}")
    anonymous = gateway.client.http.post(
        path, headers={"content-type": "application/json"}, body=b"{}"
    )

    assert seen.status_code == 200  # it is the owner
    assert (by_owner.status_code, error_code(by_owner)) == (403, "operator_only")
    assert (anonymous.status_code, error_code(anonymous)) == (401, "operator_credentials_required")
    assert queue.take() == []
    assert delivery_log(aws).state(dead.delivery_id) is DeliveryState.DEAD


def test_a_redrive_queues_the_dead_delivery_again_with_its_webhook_id(
    gateway: Gateway, dead: Dead, queue: DeliveryQueue
) -> None:
    response = redrive(gateway, dead)

    assert (response.status_code, response.json_body) == (202, {"redriven": 1})
    assert [d.delivery_id for d in queue.take()] == [dead.delivery_id]
    shown = as_operator(gateway, "get", f"/v1/deliveries/{dead.delivery_id}").json_body
    assert shown["state"] == "retrying"


def test_a_redrive_naming_no_delivery_of_the_subscription_is_a_404_and_reopens_nothing(
    gateway: Gateway, aws: Any, dead: Dead, queue: DeliveryQueue
) -> None:
    """A typo, or another subscription's delivery, among the ids named: 404 at its place in
    ``delivery_ids``, and the real dead letter beside it stays dead (it was skipped, answered
    ``redriven: 0``: review 177)."""
    unknown = "msg_" + "0" * 32

    response = redrive(gateway, dead, {"delivery_ids": [dead.delivery_id, unknown]})

    assert refusal(response) == (404, "not_found", "delivery_ids.1")
    assert queue.take() == []
    assert delivery_log(aws).state(dead.delivery_id) is DeliveryState.DEAD


def test_a_redrive_that_cannot_queue_leaves_the_delivery_dead_for_the_next_one(
    gateway: Gateway, aws: Any, dead: Dead, queue: DeliveryQueue, monkeypatch: Any
) -> None:
    """Reopened, then its page (or the send) refused: dead again, so asking again finds it —
    not left retrying with nothing queued, which no route would find."""

    def refused(_: Any) -> None:
        raise RuntimeError("DynamoDB refused the page")

    monkeypatch.setattr(container().queue, "_pages", refused)
    failed = redrive(gateway, dead)
    monkeypatch.undo()

    assert failed.status_code == 500
    assert queue.take() == []
    assert delivery_log(aws).state(dead.delivery_id) is DeliveryState.DEAD
    again = redrive(gateway, dead)
    assert (again.status_code, again.json_body) == (202, {"redriven": 1})
    assert [d.delivery_id for d in queue.take()] == [dead.delivery_id]


def test_a_redrive_rebuilds_the_delivery_from_the_exchange_log_as_it_was_first_sent(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.answer(500, "upstream down")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    event = queue.event()
    [first] = [body_of(r) for r in event["Records"]]
    assert len(queue.run(event)["batchItemFailures"]) == 1
    assert queue.run() == {"batchItemFailures": []}  # the second 500: dead

    redrive(gateway, Dead(sub["subscription_id"], first.delivery_id))

    assert queue.take() == [first]
    stored = aws.dynamodb.get_item(
        TableName=aws.env["CG_DELIVERIES_TABLE"], Key={"delivery_id": {"S": first.delivery_id}}
    )["Item"]
    assert "doc" not in stored  # the delivery log keeps no copy of the listing
    assert first.change.listing.subject_name not in json.dumps(stored, ensure_ascii=False)


def test_a_redriven_delivery_is_delivered_once_the_receiver_recovers(
    gateway: Gateway, dead: Dead, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    redrive(gateway, dead)
    hook.answer(204)

    outcome = queue.run()

    assert outcome == {"batchItemFailures": []}
    shown = as_operator(gateway, "get", f"/v1/deliveries/{dead.delivery_id}").json_body
    assert shown["state"] == "delivered"
    assert [a["status"] for a in shown["attempts"]] == [500, 500, 204]
    assert [r.headers["webhook-id"] for r in hook.requests] == [dead.delivery_id] * 3


def test_a_redrive_naming_something_that_is_not_a_delivery_id_is_a_schema_error(
    gateway: Gateway, dead: Dead, queue: DeliveryQueue
) -> None:
    response = redrive(gateway, dead, {"delivery_ids": ["msg_unknown"]})

    assert (response.status_code, response.json_body["error"]["code"]) == (400, "invalid_schema")
    assert queue.take() == []


def test_a_redrive_leaves_another_subscriptions_dead_delivery_alone(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.answer(500, "upstream down")
    mine = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    theirs = subscribe(gateway, hook.url + "?other", retry_schedule_seconds=[0])
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    queue.run()
    parked = {d.subscription_id: d.delivery_id for d in queue.dead_letters()}
    their_delivery = parked[theirs["subscription_id"]]

    response = as_operator(
        gateway,
        "post",
        f"/v1/subscriptions/{mine['subscription_id']}/redrive",
        json.dumps({"delivery_ids": [their_delivery]}).encode(),
    )

    assert refusal(response) == (404, "not_found", "delivery_ids.0")  # none of its own
    assert delivery_log(aws).state(their_delivery) is DeliveryState.DEAD


# -- re-enabling an endpoint a 410 disabled --


@pytest.fixture
def gone(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> Dead:
    """A subscription whose endpoint answered 410 to its first delivery."""
    hook.answer(410, "gone")
    sub = subscribe(gateway, hook.url)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    assert queue.run() == {"batchItemFailures": []}
    [parked] = queue.dead_letters()
    return Dead(sub["subscription_id"], parked.delivery_id)


def enable(gateway: Gateway, gone: Dead, body: dict[str, Any]) -> Any:
    path = f"/v1/subscriptions/{gone.subscription_id}/enable"
    return as_operator(gateway, "post", path, json.dumps(body).encode())


def subscription_view(gateway: Gateway, gone: Dead) -> dict[str, Any]:
    response = as_operator(gateway, "get", f"/v1/subscriptions/{gone.subscription_id}")
    assert response.status_code == 200
    return dict(response.json_body)


def test_enabling_with_redelivery_turns_it_on_and_queues_the_dead_deliveries_again(
    gateway: Gateway, gone: Dead, queue: DeliveryQueue
) -> None:
    before = subscription_view(gateway, gone)

    response = enable(gateway, gone, {"redeliver_missed": True})

    assert (before["enabled"], before["disabled_reason"]) == (
        False,
        "the endpoint answered 410 Gone",
    )
    assert (response.status_code, response.json_body) == (200, {"enabled": True, "redriven": 1})
    view = subscription_view(gateway, gone)
    assert (view["enabled"], view["disabled_reason"], view["failing_since"]) == (True, None, None)
    assert [d.delivery_id for d in queue.take()] == [gone.delivery_id]


def test_enabling_without_redelivery_queues_nothing(
    gateway: Gateway, gone: Dead, queue: DeliveryQueue
) -> None:
    response = enable(gateway, gone, {"redeliver_missed": False})

    assert response.json_body == {"enabled": True, "redriven": 0}
    assert queue.take() == []
    assert subscription_view(gateway, gone)["enabled"] is True


def test_after_enabling_the_missed_delivery_reaches_the_receiver(
    gateway: Gateway, aws: Any, gone: Dead, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    hook.answer(204)
    enable(gateway, gone, {"redeliver_missed": True})

    queue.run()

    assert [r.headers["webhook-id"] for r in hook.requests] == [gone.delivery_id] * 2
    assert delivery_log(aws).state(gone.delivery_id) is DeliveryState.DELIVERED


def test_a_change_made_while_disabled_is_delivered_after_enabling(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    gone: Dead,
) -> None:
    # README: enable "delivers everything missed"; this change came while the endpoint was off.
    push_and_fan_out(gateway, stream, city, CITY, [other_subject_entry()])
    queue.run()

    enable(gateway, gone, {"redeliver_missed": True})

    missed = [d.change.listing.credit_code for d in queue.take()]
    assert sorted(missed) == sorted([CREDIT_CODE, OTHER_CREDIT_CODE])
