"""A purge that reaches a pending batch file, through the app on moto: the purged listing's
line leaves the file, and the file's other lines still reach the subscriber — in the batch,
in their place, or, once the batch went dead, by "re-drive all dead" — with their ids, in
order, and the purged listing's content never reaches the subscriber."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway, StreamReader, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    Reply,
    as_operator,
    push_and_fan_out,
    subscribe,
    subscription_path,
)
from test_batched_delivery_routes import announced_at, batch_files, fetching

from chalicelib import bootstrap
from chalicelib.batch_files import S3BatchFiles
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts
from chalicelib.erasure import StoredCopies
from gateway.delivery import DeliveryState, batch_of, lines_in
from gateway_client.batch_receiver import batch_lines
from gateway_client.contract import BATCH_EVENT, DeliveryPayload, load_public_key
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.receiver import Audience

OTHER = "91430100687234560U"
# A subject's change, another subject's (to be purged), the first subject's again.
ENTRIES = [
    black_entry(),
    black_entry(credit_code=OTHER, decision_number="(2024)黑09执200号"),
    black_entry(decision_number="(2024)黑09执124号"),
]


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


def pending_lines(aws: Any) -> tuple[DeliveryPayload, DeliveryPayload, DeliveryPayload]:
    """The pending file's lines of the first subject, in file order, and the other's line."""
    [key] = batch_files(aws)
    body = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key)["Body"].read()
    lines = lines_in(body)
    [purged] = [x for x in lines if x.data.listing.credit_code == OTHER]
    first, last = [x for x in lines if x is not purged]
    return first, purged, last


def purge(listing_id: str) -> None:
    """The tick's erasure of a listing's stored copies (``StoredCopies``, as the tick runs it)."""
    c = bootstrap.container()
    excerpts = DeliveryExcerpts(c.aws_clients["dynamodb"], c.settings.deliveries_table)
    files = S3BatchFiles(c.archive)
    copies = StoredCopies(c.exchange_log, c.feedback, c.persons, files, excerpts)
    copies.erase(listing_id, "chg_purge_of_the_test")


def states(aws: Any, lines: list[DeliveryPayload]) -> list[DeliveryState | None]:
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    return [log.state(line.delivery_id) for line in lines]


def never_shown(purged: DeliveryPayload, bodies: list[bytes]) -> None:
    """Nothing the subscriber got names the purged listing or carries its content."""
    for body in bodies:
        text = body.decode()
        assert purged.data.listing.listing_id not in text
        assert "(2024)黑09执200号" not in text
        assert OTHER not in text


def test_a_purge_takes_its_line_out_of_a_pending_file_and_the_batch_sends_the_others(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    kept: dict[str, bytes] = {}
    hook.reply = fetching(aws, kept)
    mine = subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, ENTRIES)
    first, purged, last = pending_lines(aws)  # in the file: three lines, in some order

    purge(purged.data.listing.listing_id)
    queue.run()

    [webhook] = hook.requests
    audience = Audience(mine["subscription_id"], HUNAN, (load_public_key(gateway.public_key),))
    announced = audience.batch(webhook.headers, webhook.body, announced_at(webhook))
    got = [payload for payload, _ in batch_lines(announced, kept[announced.batch_id], *_to(mine))]
    assert [g.delivery_id for g in got] == [first.delivery_id, last.delivery_id]
    assert [g.sequence for g in got] == [first.sequence, last.sequence]
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    settled = log.view(announced.batch_id)
    assert settled is not None
    assert settled["state"] == "delivered"  # one record, holding the two lines sent
    assert [x["delivery_id"] for x in settled["batch"]["lines"]] == [
        first.delivery_id,
        last.delivery_id,
    ]
    assert states(aws, [first, purged, last]) == [None, None, None]  # none recorded apart
    never_shown(purged, [webhook.body, *kept.values()])
    assert batch_files(aws) == []


def test_once_the_batch_is_dead_re_drive_all_dead_brings_the_other_lines_in_order(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    hook.answer(500, "down")
    mine = subscribe(gateway, hook.url, delivery_mode="batched", retry_schedule_seconds=[0])
    push_and_fan_out(gateway, stream, city, CITY, ENTRIES)
    first, purged, last = pending_lines(aws)  # in the file: three lines, in some order

    purge(purged.data.listing.listing_id)
    for _ in range(3):  # the batch fails until it is dead
        queue.run()
    assert states(aws, [first, purged, last]) == [DeliveryState.DEAD, None, DeliveryState.DEAD]
    failed = len(hook.requests)
    hook.answer(204)
    redriven = as_operator(gateway, "post", subscription_path(mine, "/redrive"), b"{}")
    queue.run()

    assert redriven.status_code == 202, redriven.json_body
    assert redriven.json_body["redriven"] == 2
    singles = [json.loads(r.body) for r in hook.requests[failed:]]
    assert [s["type"] for s in singles] == ["listing.changed"] * 2
    assert [s["delivery_id"] for s in singles] == [first.delivery_id, last.delivery_id]
    assert [s["sequence"] for s in singles] == [first.sequence, last.sequence]
    assert {s["data"]["listing"]["credit_code"] for s in singles} == {CREDIT_CODE}
    assert states(aws, [first, last]) == [DeliveryState.DELIVERED] * 2
    never_shown(purged, [r.body for r in hook.requests])
    assert all(json.loads(r.body)["type"] == BATCH_EVENT for r in hook.requests[:failed])


def _to(subscription: dict[str, Any]) -> tuple[str, str]:
    return subscription["subscription_id"], HUNAN


def test_a_purge_destroys_every_version_of_a_file_the_bucket_expired(
    gateway, aws, stream, hook, city
) -> None:  # type: ignore[no-untyped-def]
    """The expiry puts a delete marker on a pending file; its older version still holds the
    purged listing's line, and a purge listing current objects only left it (review 41)."""
    hook.answer(503, "down")
    subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, ENTRIES)
    _, purged, _ = pending_lines(aws)
    [key] = batch_files(aws)
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    aws.s3.delete_object(Bucket=bucket, Key=key)  # what the lifecycle rule's expiry does

    purge(purged.data.listing.listing_id)

    listed = aws.s3.list_object_versions(Bucket=bucket, Prefix=key)
    assert [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])] == []


def test_a_purge_blanks_what_the_endpoint_answered_a_batch_still_retrying(
    gateway, aws, stream, hook, queue, city
) -> None:  # type: ignore[no-untyped-def]
    """An endpoint that echoes the file it was sent into its error answer (the purged
    listing's decision number: the scrubber masks codes, not every field): the batch is still
    retrying when the purge runs, and the answer its record kept goes with the line (review
    41a F4)."""
    hook.answer(500, "rejected: (2024)黑09执200号 " + OTHER)
    subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, ENTRIES)
    _, purged, _ = pending_lines(aws)
    [key] = batch_files(aws)
    queue.run()  # failed once: retrying, the answer kept
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    assert "黑09执200号" in json.dumps(log.view(batch_of(key)), ensure_ascii=False)

    purge(purged.data.listing.listing_id)

    view = log.view(batch_of(key))
    assert view is not None
    assert view["state"] == "retrying"
    assert "黑09执200号" not in json.dumps(view, ensure_ascii=False)


@pytest.mark.roles_unchecked("a purge runs inside a delivery attempt, as if at the same moment")
def test_an_answer_recorded_after_the_purge_blanked_the_batch_goes_too(
    gateway, aws, stream, hook, queue, city
) -> None:  # type: ignore[no-untyped-def]
    """Review 42 P1: the purge runs while the endpoint answers (it cut the file and blanked
    the record before the attempt was written); the attempt written after finds the file no
    longer what was sent, and its echo goes."""
    subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, ENTRIES)
    _, purged, _ = pending_lines(aws)
    [key] = batch_files(aws)

    def purge_then_echo(_: Any) -> Reply:
        purge(purged.data.listing.listing_id)
        return Reply(500, "rejected: (2024)黑09执200号")

    hook.reply = purge_then_echo
    queue.run()

    view = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"]).view(batch_of(key))
    assert view is not None
    assert view["state"] == "retrying"
    assert [a["status"] for a in view["attempts"]] == [500]
    assert "黑09执200号" not in json.dumps(view, ensure_ascii=False)


def test_an_answer_to_a_file_left_as_sent_is_kept(gateway, aws, stream, hook, queue, city) -> None:  # type: ignore[no-untyped-def]
    """What the operator diagnoses a failing endpoint by stays while nothing was purged."""
    hook.answer(500, "rejected: line 2 malformed")
    subscribe(gateway, hook.url, delivery_mode="batched")
    push_and_fan_out(gateway, stream, city, CITY, ENTRIES)
    [key] = batch_files(aws)

    queue.run()

    view = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"]).view(batch_of(key))
    assert view is not None
    assert [a["response_excerpt"] for a in view["attempts"]] == ["rejected: line 2 malformed"]
