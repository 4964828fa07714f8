"""What a delivered batch leaves in the delivery log, through the app on moto: one record
holding its lines (no item per line), listed line by line with its batch id, shown whole by
its id, counted once per line in the statistics; its listings count as received (objections,
settling changes); a batch being retried is listed as one entry until it settles; a dead batch
still leaves a dead record per line that a re-drive sends."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway, StreamReader, black_entry, error_code
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    as_platform,
    signed,
    subscribe,
    subscription_path,
)
from lifecycle_support import listing_path, push_with_removals, removal_of
from personal_support import PERSON
from test_delivery_record_writes import Context, writes

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery import Batch, DeliveryState
from gateway.statistics.tallies import month_of
from gateway_client.contract import mask
from gateway_client.contract.signing import Ed25519Signer

THREE = [
    black_entry(),
    black_entry(decision_number="(2024)黑09执124号"),  # the same subject again
    black_entry(credit_code=PERSON, subject_name="张某某", decision_number="(2024)黑09执200号"),
]


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


def pushed_and_fanned_out(gateway: Gateway, stream: StreamReader, city: Ed25519Signer) -> list[str]:
    """THREE pushed by the city and fanned out; their listing ids."""
    response = gateway.push(city, CITY, THREE)
    assert response.json_body["accepted"] == 3, response.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    return [str(x["listing_id"]) for x in response.json_body["outcomes"]]


def records(aws: Any) -> list[dict[str, Any]]:
    """Every item of the deliveries table (shared recognitions aside)."""
    table = aws.env["CG_DELIVERIES_TABLE"]
    found = aws.dynamodb.scan(TableName=table)["Items"]
    return [x for x in found if not x["delivery_id"]["S"].startswith("recognition#")]


def test_a_delivered_batch_is_one_record_listed_as_its_lines_and_counted_once_a_line(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    listings = pushed_and_fanned_out(gateway, stream, city)

    made = writes(lambda: gateway_app.deliver_webhooks(queue.event(), Context()))

    [webhook] = hook.requests
    batch_id = json.loads(webhook.body)["batch_id"]
    # the batch's one record, and the one recognition its lines share, kept once: none a line
    assert made["deliveries"] == ["PutItem", "UpdateItem"]
    [record] = records(aws)
    assert record["delivery_id"]["S"] == batch_id
    shown = as_operator(gateway, "get", f"/v1/deliveries/{batch_id}")
    assert shown.status_code == 200, shown.json_body
    assert (shown.json_body["state"], shown.json_body["listing_id"]) == ("delivered", None)
    assert shown.json_body["batch"]["count"] == 3
    in_file = shown.json_body["batch"]["lines"]  # the stream's order of the subjects
    assert sorted(x["listing_id"] for x in in_file) == sorted(listings)
    assert [x["sequence"] for x in in_file] == [1, 2, 3]
    assert sorted(x["credit_code"] for x in in_file) == sorted(
        mask(x["credit_code"]) for x in THREE
    )
    assert PERSON not in json.dumps(shown.json_body)  # an ID number only masked

    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries"))
    lines = listed.json_body["deliveries"]
    assert [x["delivery_id"] for x in lines] == [x["delivery_id"] for x in in_file[::-1]]
    assert [x["listing_id"] for x in lines] == [x["listing_id"] for x in in_file[::-1]]
    assert {(x["state"], x["batch_id"]) for x in lines} == {("delivered", batch_id)}
    assert all(len(x["attempts"]) == 1 and x["attempts"][0]["status"] == 204 for x in lines)
    limited = as_operator(gateway, "get", subscription_path(mine, "/deliveries?limit=2"))
    assert limited.json_body["deliveries"] == lines[:2]
    dead = as_operator(gateway, "get", subscription_path(mine, "/deliveries?state=dead"))
    assert dead.json_body["deliveries"] == []
    at = quote(lines[0]["updated_at"])  # every line: the batch's time
    since = as_operator(gateway, "get", subscription_path(mine, f"/deliveries?since={at}"))
    before = as_operator(gateway, "get", subscription_path(mine, f"/deliveries?until={at}"))
    after = quote("2199-01-01T00:00:00+00:00")
    later = as_operator(gateway, "get", subscription_path(mine, f"/deliveries?since={after}"))
    assert since.json_body["deliveries"] == before.json_body["deliveries"] == lines
    assert later.json_body["deliveries"] == []
    body = as_operator(gateway, "get", f"/v1/deliveries/{batch_id}/body")
    assert (body.status_code, error_code(body)) == (404, "not_found")  # none: made per attempt
    line = as_operator(gateway, "get", f"/v1/deliveries/{lines[0]['delivery_id']}")
    assert (line.status_code, error_code(line)) == (404, "not_found")
    assert "batch_id" in line.json_body["error"]["message"]

    sub = mine["subscription_id"]
    counted = container().statistics.read(CITY, month_of(container().clock.now()))
    assert sum(c.get(f"delivered#{sub}", 0) for c in counted.values()) == 3


def test_another_region_neither_lists_nor_reads_the_batch(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    pushed_and_fanned_out(gateway, stream, city)
    queue.run()
    batch_id = json.loads(hook.requests[0].body)["batch_id"]

    listed = as_platform(gateway, city, "get", subscription_path(mine, "/deliveries"))
    read = as_platform(gateway, city, "get", f"/v1/deliveries/{batch_id}")

    assert listed.status_code in (403, 404), listed.json_body
    assert (read.status_code, error_code(read)) == (403, "region_mismatch")
    assert "deliveries" not in (listed.json_body or {})


def test_a_batch_delivered_listing_counts_as_received_for_objections_and_settling_changes(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hunan = gateway.register_platform(HUNAN)
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0, 0])
    listings = pushed_and_fanned_out(gateway, stream, city)
    objection = {"objection_id": "obj-1", "reason": "已履行完毕", "on_behalf": "subject"}
    path = listing_path(CREDIT_CODE, listings[0]) + "/objections"

    hook.answer(500, "down")
    queue.run()  # not delivered yet: not received
    early = signed(gateway, hunan, "POST", path, objection)
    hook.answer(204)
    queue.run()
    filed = signed(gateway, hunan, "POST", path, objection)

    assert (early.status_code, error_code(early)) == (403, "listing_not_received")
    assert filed.status_code == 201, filed.json_body

    revocation_reaches_a_narrowed(gateway, stream, queue, hook, city, mine, listings[2])


def test_a_region_still_holds_what_its_deleted_batched_subscription_brought(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    """Replaced (a new subscription, then the old one deleted), the batched subscription's
    lines still count for its region's objections, as a single delivery's do (review 183)."""
    hunan = gateway.register_platform(HUNAN)
    old = subscribe(gateway, hook.url, delivery_mode="batched")
    listings = pushed_and_fanned_out(gateway, stream, city)
    hook.answer(204)
    queue.run()
    subscribe(gateway, hook.url)
    assert as_operator(gateway, "delete", subscription_path(old)).status_code == 200
    objection = {"objection_id": "obj-1", "reason": "已履行完毕", "on_behalf": "subject"}

    filed = signed(
        gateway, hunan, "POST", listing_path(CREDIT_CODE, listings[0]) + "/objections", objection
    )

    assert filed.status_code == 201, filed.json_body


def revocation_reaches_a_narrowed(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    subscription: dict[str, Any],
    third: str,
) -> None:
    """Its filters no longer match the listings; a change settling one (THREE[2], listed as
    ``third``) still reaches it."""
    narrowed = as_operator(
        gateway,
        "patch",
        subscription_path(subscription),
        json.dumps({"filters": {"domains": ["food_drug"]}}).encode(),
    )
    assert narrowed.status_code == 200, narrowed.json_body
    hook.requests.clear()
    revoked = push_with_removals(gateway, city, CITY, [removal_of(THREE[2], "revoked")])
    assert revoked.status_code == 200, revoked.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()

    sent = [json.loads(r.body) for r in hook.requests]
    assert [(x["type"], x["data"]["type"]) for x in sent] == [("listing.changed", "revoked")]
    assert sent[0]["data"]["listing"]["listing_id"] == third


def test_a_dead_batch_leaves_a_dead_record_per_line_that_a_redrive_sends(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.answer(500, "down")
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0])
    pushed_and_fanned_out(gateway, stream, city)
    queue.run()
    queue.run()  # the last attempt: dead
    batch_id = json.loads(hook.requests[0].body)["batch_id"]

    dead = as_operator(gateway, "get", subscription_path(mine, "/deliveries?state=dead"))
    lines = dead.json_body["deliveries"]
    assert len(lines) == 3
    assert all("batch_id" not in x for x in lines)
    assert len(records(aws)) == 4  # the batch's and one per line
    shown = as_operator(gateway, "get", f"/v1/deliveries/{batch_id}")
    assert (shown.json_body["state"], shown.json_body["batch"]["lines"]) == ("dead", [])

    hook.answer(204)
    hook.requests.clear()
    redriven = as_operator(gateway, "post", subscription_path(mine, "/redrive"))
    queue.run()

    assert redriven.json_body == {"redriven": 3}
    sent = [json.loads(r.body) for r in hook.requests]
    assert sorted(x["delivery_id"] for x in sent) == sorted(x["delivery_id"] for x in lines)


@pytest.mark.parametrize("settled", ["delivered", "dead"])
def test_a_batch_being_retried_is_listed_as_one_entry_until_it_settles(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    settled: str,
) -> None:
    hook.answer(500, "down")
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0])
    pushed_and_fanned_out(gateway, stream, city)
    queue.run()
    batch_id = json.loads(hook.requests[0].body)["batch_id"]

    def listed(query: str = "") -> list[dict[str, Any]]:
        path = subscription_path(mine, f"/deliveries{query}")
        return list(as_operator(gateway, "get", path).json_body["deliveries"])

    retrying = listed()
    assert listed("?state=retrying") == retrying
    assert [(x["delivery_id"], x["batch_id"], x["listing_id"], x["state"]) for x in retrying] == [
        (batch_id, batch_id, None, "retrying")
    ]
    assert [a["status"] for a in retrying[0]["attempts"]] == [500]
    assert listed("?state=dead") == []

    if settled == "delivered":
        hook.answer(204)
    queue.run()

    after = listed()
    assert len(after) == 3
    assert {x["state"] for x in after} == {settled}
    assert batch_id not in {x["delivery_id"] for x in after}  # its lines, not the batch
    assert listed("?state=retrying") == []


def test_a_dying_batch_cut_short_is_listed_once_by_its_dead_lines(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The function ends after the lines' dead records, before the batch's own: the lines are
    listed, not the batch beside them (it is marked dying first)."""
    hook.answer(500, "down")
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0])
    pushed_and_fanned_out(gateway, stream, city)
    queue.run()
    real = DynamoDeliveryLog.record

    def cut_short(self: DynamoDeliveryLog, delivery: Any, attempt: Any, state: Any) -> None:
        if isinstance(delivery, Batch) and state is DeliveryState.DEAD:
            raise RuntimeError("the function ended")
        real(self, delivery, attempt, state)

    monkeypatch.setattr(DynamoDeliveryLog, "record", cut_short)
    # its group fails (the queue hands the message back), never another's
    assert gateway_app.deliver_webhooks(queue.event(), None)["batchItemFailures"]

    path = subscription_path(mine, "/deliveries")
    listed = as_operator(gateway, "get", path).json_body["deliveries"]
    assert len(listed) == 3
    assert {(d["state"], d["listing_id"] is not None) for d in listed} == {("dead", True)}


@pytest.mark.parametrize("settled", ["delivered", "dead"])
def test_a_settled_batch_keeps_no_endpoint_answer(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    settled: str,
) -> None:
    """Review 20, F1: an endpoint's answer to a batch may echo a line's person (a name is no
    pattern the scrubber knows), and a batch's record is no listing's, so the purge never found
    it: kept for ever. It is kept while the batch is retried, and blanked once it settles."""
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0, 0])
    pushed_and_fanned_out(gateway, stream, city)
    hook.answer(422, "周某某 rejected")
    queue.run()
    batch_id = json.loads(hook.requests[0].body)["batch_id"]
    retried = as_operator(gateway, "get", f"/v1/deliveries/{batch_id}").json_body
    assert "周某某 rejected" in json.dumps(retried, ensure_ascii=False)  # while it is retried

    if settled == "delivered":
        hook.answer(204)
    for _ in range(3):
        queue.run()

    shown = as_operator(gateway, "get", f"/v1/deliveries/{batch_id}").json_body
    assert shown["state"] == settled, shown
    assert "周某某" not in json.dumps(shown, ensure_ascii=False)
    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries")).json_body
    answers = [a.get("response_excerpt", "") for d in listed["deliveries"] for a in d["attempts"]]
    # a dead batch's lines keep its last attempt in records of their own, but not its answer:
    # it may echo another line's person, whose purge does not reach this line's record
    assert not any("周某某" in a for a in answers)


def test_a_replay_of_delivered_lines_is_listed_apart_and_counts_no_line_again(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    """A replay goes singly, each on a record of its own; the lines it sends again stay in
    their batch's record (none gets a record of its own) and are counted once."""
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    pushed_and_fanned_out(gateway, stream, city)
    queue.run()
    [batch] = records(aws)

    path = subscription_path(mine, "/replay")
    replayed = as_operator(gateway, "post", path, b'{"from_sequence": 1}')
    assert (replayed.status_code, replayed.json_body["queued"]) == (202, 3), replayed.json_body
    queue.run()

    kept = records(aws)
    assert len([x for x in kept if "replay_of" in x]) == 3
    assert len(kept) == 1 + 3 + 1  # the batch, the replays' records, the replay's page
    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries")).json_body
    in_batch = [x for x in listed["deliveries"] if x.get("batch_id") == batch["delivery_id"]["S"]]
    again = [x for x in listed["deliveries"] if "replay_of" in x]
    assert len(listed["deliveries"]) == len(in_batch) + len(again) == 6
    assert sorted(x["replay_of"] for x in again) == sorted(x["delivery_id"] for x in in_batch)
    sub = mine["subscription_id"]
    counted = container().statistics.read(CITY, month_of(container().clock.now()))
    assert sum(c.get(f"delivered#{sub}", 0) for c in counted.values()) == 3
