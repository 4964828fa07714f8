"""Batched delivery through the app on moto: a subscriber that opts in gets one signed
``deliveries.batch`` webhook whose file holds each change exactly as the single subscriber's
webhook carried it (same ids, order, log sequences); each line then counts as a delivery; a
failing batch holds back the subscriber's later deliveries; only the owner (or the operator)
sets the mode, and a bad one is refused."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    Gateway,
    StreamReader,
    black_entry,
    error_code,
    hunan_recognises_city,
)
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    Reply,
    as_operator,
    push_and_fan_out,
    signed,
    subscribe,
    subscription_path,
)
from lifecycle_support import Lifecycle, china_today, this_month
from test_stats_counters_route import run_rebuild

from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery import DeliveryState
from gateway_client.batch_receiver import batch_lines
from gateway_client.contract import BATCH_EVENT, load_public_key
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.receiver import Audience

THREE = [
    black_entry(),
    black_entry(decision_number="(2024)黑09执124号"),  # the same subject again
    black_entry(credit_code="91430100687234560U", decision_number="(2024)黑09执200号"),
]


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


def fetching(aws: Any, kept: dict[str, bytes]) -> Any:
    """A receiver script: on a batch webhook, fetch its file (the link's key) as the
    subscriber would, before answering 204."""

    def reply(received: Any) -> Reply:
        body = json.loads(received.body)
        if body["type"] == BATCH_EVENT:
            bucket = aws.env["CG_ARCHIVE_BUCKET"]
            path = unquote(urlsplit(body["url"]).path).lstrip("/")
            key = path.removeprefix(f"{bucket}/")  # path-style or virtual-hosted
            found = aws.s3.get_object(Bucket=bucket, Key=key)
            kept[body["batch_id"]] = found["Body"].read()
        return Reply(204)

    return reply


def batch_files(aws: Any) -> list[str]:
    reply = aws.s3.list_objects_v2(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix="batches/")
    return [x["Key"] for x in reply.get("Contents", [])]


def test_a_batched_subscriber_gets_one_webhook_and_a_file_of_what_a_single_one_gets(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    receiver: Any,
    city: Ed25519Signer,
) -> None:
    kept: dict[str, bytes] = {}
    hook.reply = fetching(aws, kept)
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    single = subscribe(gateway, receiver.url)
    assert (mine["delivery_mode"], single["delivery_mode"]) == ("batched", "single")

    push_and_fan_out(gateway, stream, city, CITY, THREE)
    queue.run()

    [webhook] = hook.requests
    audience = Audience(mine["subscription_id"], HUNAN, (load_public_key(gateway.public_key),))
    announced = audience.batch(webhook.headers, webhook.body, announced_at(webhook))
    lines = batch_lines(announced, kept[announced.batch_id], mine["subscription_id"], HUNAN)
    # the single subscriber: unchanged, one webhook per change (subjects in parallel groups)
    singles = sorted(
        (json.loads(r.body) for r in receiver.requests), key=lambda s: s["log_sequence"]
    )
    assert len(singles) == 3
    shown = [payload for payload, _ in lines]
    assert [p.data.change_id for p in shown] == [s["data"]["change_id"] for s in singles]
    assert [p.log_sequence for p in shown] == [s["log_sequence"] for s in singles]
    assert [p.sequence for p in shown] == [1, 2, 3]
    assert {p.subscription_id for p in shown} == {mine["subscription_id"]}
    assert [p.recognition for p in shown] == [  # the same recognition, the same masking
        type(p.recognition).model_validate(s["recognition"])
        for p, s in zip(shown, singles, strict=True)
    ]
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    assert log.state(announced.batch_id) is None  # a batch's record is no single delivery's
    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries"))
    assert {(d["delivery_id"], d["state"]) for d in listed.json_body["deliveries"]} == {
        (p.delivery_id, DeliveryState.DELIVERED.value) for p in shown
    }
    assert batch_files(aws) == []  # delivered: the file is gone


def announced_at(webhook: Any) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(webhook.headers["webhook-timestamp"]), UTC)


def test_a_failing_batch_holds_back_the_subscribers_later_changes_until_it_goes(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.answer(500, "down")
    subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0, 0])
    push_and_fan_out(gateway, stream, city, CITY, THREE[:2])  # one subject, twice: a file
    later = black_entry(decision_number="(2024)黑09执300号")  # the same subject, a new listing
    push_and_fan_out(gateway, stream, city, CITY, [later])

    queue.run()  # the batch fails; the later change (same subject) waits behind it
    assert [json.loads(r.body)["type"] for r in hook.requests] == [BATCH_EVENT]
    assert len(batch_files(aws)) == 1  # kept for the retry
    hook.answer(204)
    queue.run()
    queue.run()

    types = [json.loads(r.body)["type"] for r in hook.requests]
    assert types == [BATCH_EVENT, BATCH_EVENT, "listing.changed"]
    last = json.loads(hook.requests[-1].body)
    assert last["sequence"] == 3  # after the file's 1 and 2
    assert last["data"]["listing"]["credit_code"].startswith(CREDIT_CODE[:6])


def test_the_owner_sets_the_mode_another_region_cannot_and_a_bad_one_is_refused(
    gateway: Gateway, receiver: Any, city: Ed25519Signer
) -> None:
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url)
    path = subscription_path(created)

    owner = signed(gateway, province, "PATCH", path, {"delivery_mode": "batched"})
    stranger = signed(gateway, city, "PATCH", path, {"delivery_mode": "single"})
    bad = signed(gateway, province, "PATCH", path, {"delivery_mode": "weekly"})
    null = signed(gateway, province, "PATCH", path, {"delivery_mode": None})
    refused = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url, delivery_mode="files")

    assert owner.status_code == 200, owner.json_body
    assert owner.json_body["subscription"]["delivery_mode"] == "batched"
    assert (stranger.status_code, error_code(stranger)) == (403, "region_mismatch")
    assert (bad.status_code, error_code(bad)) == (400, "invalid_schema")
    assert bad.json_body["error"]["path"] == "delivery_mode"
    assert (null.status_code, error_code(null)) == (400, "invalid_schema")
    assert (refused.status_code, error_code(refused)) == (400, "invalid_schema")
    after = as_operator(gateway, "get", path).json_body
    assert after["delivery_mode"] == "batched"
    back = signed(gateway, province, "PATCH", path, {"delivery_mode": "single"})
    assert back.status_code == 200, back.json_body
    # single again, but its batches still speak for what it received (objections, tombstones)
    assert (back.json_body["subscription"]["delivery_mode"], after["ever_batched"]) == (
        "single",
        False,  # batched now: the mode itself says so
    )
    assert back.json_body["subscription"]["ever_batched"] is True


def delivered_line(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> tuple[dict[str, Any], dict[str, Any], Ed25519Signer]:
    """THREE delivered in one batch to 湖南 (which recognises 七台河's listings): its
    subscription, the first line its list shows, and 湖南's platform key."""
    hook.reply = fetching(aws, {})
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    hunan_recognises_city(gateway)
    push_and_fan_out(gateway, stream, city, CITY, THREE)
    queue.run()
    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries")).json_body
    line = listed["deliveries"][0]
    assert line.get("batch_id"), line
    return mine, line, gateway.register_platform(HUNAN)


def test_a_batched_subscriber_reports_feedback_on_a_line_by_its_batch(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    """Review 16, F2: a line of a batch has no record of its own, so feedback on it was 404
    and a batched subscriber could never report a measure executed (执行反馈)."""
    mine, line, hunan = delivered_line(gateway, aws, stream, queue, hook, city)
    report = line_report(line, "executed")
    del report["batch_id"]

    without_batch = signed(gateway, hunan, "post", "/v1/feedback", report)
    other_batch = signed(
        gateway, hunan, "post", "/v1/feedback", {**report, "batch_id": "bat_" + "0" * 32}
    )
    kept = signed(gateway, hunan, "post", "/v1/feedback", {**report, "batch_id": line["batch_id"]})

    assert (without_batch.status_code, error_code(without_batch)) == (404, "not_found")
    assert (other_batch.status_code, error_code(other_batch)) == (404, "not_found")
    assert kept.status_code == 201, kept.json_body
    assert kept.json_body["batch_id"] == line["batch_id"]
    assert kept.json_body["subscription_id"] == mine["subscription_id"]
    assert kept.json_body["listing_id"] == line["listing_id"]


def line_report(line: dict[str, Any], result: str) -> dict[str, Any]:
    """Feedback on a line of a batch: key_supervision, today, with the line's batch."""
    measure = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": china_today().isoformat(),
        "result": result,
    }
    return {"delivery_id": line["delivery_id"], "batch_id": line["batch_id"], "measures": [measure]}


def test_a_case_reported_on_a_line_counts_by_its_sector_and_side_as_kept_and_rebuilt(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    """Review 78 F1: a line has no record of its own, so its case was counted with no sector
    and no side (a punishment or an incentive): 黄石's sector pilots never saw batched cases."""
    _, line, hunan = delivered_line(gateway, aws, stream, queue, hook, city)
    assert (
        signed(gateway, hunan, "post", "/v1/feedback", line_report(line, "executed")).status_code
        == 201
    )
    life = Lifecycle(gateway)

    kept = life.stats(CITY, this_month()).json_body["cases"]
    run_rebuild(gateway, this_month())
    rebuilt = life.stats(CITY, this_month()).json_body["cases"]

    assert (kept["total"], kept["punishments"], kept["by_sector"]) == (
        1,
        1,
        {"court_defaulter": 1},
    )
    assert rebuilt == kept


def test_a_line_is_judged_by_the_recognition_it_was_delivered_with_also_once_unsubscribed(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    """Review 18: a line was judged by planning its change again under the subscription's
    filters of now (filters narrowed, or an agreement signed since, and an unrecognised line
    counted a case); and once the batched subscription was deleted its region could neither
    report on its lines nor read the batch."""
    hook.reply = fetching(aws, {})
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, THREE)
    queue.run()
    [line, *_] = as_operator(gateway, "get", subscription_path(mine, "/deliveries")).json_body[
        "deliveries"
    ]
    hunan = gateway.register_platform(HUNAN)
    narrowed = json.dumps({"filters": {"kinds": ["red"]}}).encode()
    assert as_operator(gateway, "patch", subscription_path(mine), narrowed).status_code == 200
    hunan_recognises_city(gateway)  # an agreement signed after the line was delivered

    executed = signed(gateway, hunan, "post", "/v1/feedback", line_report(line, "executed"))
    gone = as_operator(gateway, "delete", subscription_path(mine))
    reported = signed(gateway, hunan, "post", "/v1/feedback", line_report(line, "failed"))
    batch = signed(gateway, hunan, "get", f"/v1/deliveries/{line['batch_id']}")

    assert (executed.status_code, error_code(executed)) == (409, "measure_not_delivered")
    assert gone.status_code == 200, gone.json_body
    assert reported.status_code == 201, reported.json_body
    assert batch.status_code == 200, batch.json_body


def test_a_batch_whose_file_expired_stays_dead_with_the_range_to_replay(
    gateway, aws, stream, queue, hook, city
) -> None:  # type: ignore[no-untyped-def]
    """The bucket's expiry put a delete marker on the file before the batch's turn: nothing is
    sent, and the batch's record keeps the note naming the log range to replay (recording it
    dead used to blank that note with the endpoint's answers: review 41)."""
    hook.answer(204, "")
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, THREE)
    [key] = batch_files(aws)
    aws.s3.delete_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key)

    queue.run()

    batch_id = key.rsplit("-", 1)[-1].removesuffix(".ndjson")
    view = as_operator(gateway, "get", f"/v1/deliveries/{batch_id}").json_body
    assert hook.requests == []
    assert view["state"] == "dead"
    [attempt] = view["attempts"]
    assert "the batch file is gone" in attempt["response_excerpt"]
    assert "replay log entries 1-3" in attempt["response_excerpt"]
    # no line of it recorded apart: its subscriber sees the batch itself, dead, in its list
    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries?state=dead"))
    assert [(d["delivery_id"], d["state"]) for d in listed.json_body["deliveries"]] == [
        (batch_id, "dead")
    ]


def test_a_held_back_batch_whose_file_is_gone_stays_listed_dead(
    gateway, aws, stream, queue, hook, city
) -> None:  # type: ignore[no-untyped-def]
    """Review 77: a batch held back (its subscription paused) whose file is gone has no line to
    record apart; marked dying all the same, it was listed nowhere."""
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    assert as_operator(gateway, "post", subscription_path(mine, "/pause")).status_code == 200
    push_and_fan_out(gateway, stream, city, CITY, THREE)
    [key] = batch_files(aws)
    aws.s3.delete_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key)

    queue.run()

    batch_id = key.rsplit("-", 1)[-1].removesuffix(".ndjson")
    listed = as_operator(gateway, "get", subscription_path(mine, "/deliveries?state=dead"))
    assert hook.requests == []
    assert [(d["delivery_id"], d["state"]) for d in listed.json_body["deliveries"]] == [
        (batch_id, "dead")
    ]
