"""Erasure audit: when retention purges a person's listing (and a company's naming its legal
representative, and a red listing of the person: review 54a F3), no store of the gateway keeps
an ID number in any reversible form.

On the moto stack, through the app: list both, deliver them to a subscriber that sees full
numbers, take its feedback, replay; end both; tick five years on; then scan every item of
every table, every object version in the bucket (after S3's lifecycle rules, which moto stores
but does not run, are applied as S3 would), every queued message and every log line. Two more
endpoints answer with what they got echoed back — names, ID numbers spaced and URL-encoded —
one accepting it, one refusing it (410): the delivery records keep nothing of the first answer,
and of the second a scrubbed excerpt, which the purge blanks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, PROVINCE, Received, Receiver, StreamReader, sqs_event
from delivery_support import AnsweringReceiver, Reply
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)

from gateway_client.contract.events import DeliveryPayload
from gateway_client.contract.keys import PublishedKey
from gateway_client.contract.log import Checkpoint, LogEntry
from gateway_client.log_audit import audit
from gateway_client.tlog import tile_hash_reader


def tile(life: Lifecycle, path: str) -> bytes:
    return base64.b64decode(life.get(f"/v1/log/tile?path={path}").json_body["data"])


LEGAL_REPRESENTATIVE = "110108198506150478"  # 北京市海淀区, born 1985-06-15
NAMES = ("黄某某", "周某某")


def leaked_forms(code: str) -> set[str]:
    """The number as stored or printed, and every masked form keeping more than the masked
    view (region and check character), and unkeyed SHA-256 digests (a hash of a bare ID is
    reversible: the ID space is small) — as a 16-character prefix, which any id cut from
    the digest would contain."""
    forms = {
        code,
        code.lower(),
        code[6:17],  # birth date and sequence
        code[:14],  # region and birth date
        code[:6] + "*" * 8 + code[14:],  # the usual "last four" masking
        code[:3] + "*" * 11 + code[14:],
    }
    digests = {hashlib.sha256(form.encode()).hexdigest()[:16] for form in (code, code.lower())}
    return forms | digests


FORBIDDEN = {form for code in (PERSON_CODE, LEGAL_REPRESENTATIVE) for form in leaked_forms(code)}


def leaks(text: str) -> list[str]:
    return sorted(form for form in FORBIDDEN | set(NAMES) if form in text)


def every_table_item(aws: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for table in aws.dynamodb.list_tables()["TableNames"]:
        for page in aws.dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                yield table, item


def person_index(aws: Any) -> set[str]:
    """The listings the person index (``gateway.persons``) points at."""
    items = aws.dynamodb.scan(TableName=aws.env["CG_PERSONS_TABLE"])["Items"]
    return {item["listing_id"]["S"] for item in items}


def every_object_version(aws: Any) -> Iterator[tuple[str, bytes]]:
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    for page in aws.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []):
            body = aws.s3.get_object(
                Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
            )["Body"].read()
            yield version["Key"], body


def run_lifecycle_rules(aws: Any, now: datetime) -> None:
    """What S3 does with the provisioned rules by ``now``: expire current versions older
    than the rule's days, and noncurrent ones their days after that (moto only stores rules)."""
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    rules = aws.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    for page in aws.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            for rule in rules:
                if rule["Status"] != "Enabled" or not version["Key"].startswith(
                    rule["Filter"]["Prefix"]
                ):
                    continue
                days = rule["Expiration"]["Days"]
                if not version["IsLatest"]:
                    days += rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
                if version["LastModified"] + timedelta(days=days) <= now:
                    aws.s3.delete_object(
                        Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
                    )


def expire_queued_messages(aws: Any, elapsed: timedelta) -> None:
    """What SQS does with the messages queued now once ``elapsed`` has passed: each queue
    keeps a message for its retention period only (moto keeps them for ever)."""
    for setting in ("CG_DELIVERY_QUEUE_URL", "CG_DELIVERY_DLQ_URL", "CG_UPLOAD_QUEUE_URL"):
        url = aws.env[setting]
        kept = aws.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["MessageRetentionPeriod"]
        )["Attributes"]["MessageRetentionPeriod"]
        if timedelta(seconds=int(kept)) <= elapsed:
            aws.sqs.purge_queue(QueueUrl=url)


def every_queued_message(aws: Any) -> Iterator[str]:
    for setting in ("CG_DELIVERY_QUEUE_URL", "CG_DELIVERY_DLQ_URL", "CG_UPLOAD_QUEUE_URL"):
        for record in sqs_event(aws.sqs, aws.env[setting], "cn-northwest-1")["Records"]:
            yield json.dumps(record, ensure_ascii=False)


def echoing(status: int) -> Callable[[Received], Reply]:
    """An endpoint answering ``status`` with the names and ID numbers of the listing it got,
    the numbers spaced in groups and URL-encoded in JSON."""

    def answer(received: Received) -> Reply:
        try:
            listing = json.loads(received.body)["data"]["listing"]
        except (ValueError, KeyError, TypeError):
            return Reply(204)
        people = listing.get("responsible_persons") or []
        ids = [listing["credit_code"], *(p["id_number"] for p in people)]
        spaced = " ".join(f"{i[:6]} {i[6:14]} {i[14:]}" for i in ids)
        names = " ".join([listing["subject_name"], *(p["name"] for p in people)])
        return Reply(status, f"{names} {spaced} {urllib.parse.quote(json.dumps(ids))}")

    return answer


@pytest.fixture
def gone() -> Iterator[AnsweringReceiver]:
    """A second scripted endpoint (``hook`` is the first)."""
    with AnsweringReceiver() as server:
        yield server


def stored_excerpts(aws: Any) -> list[str]:
    return [
        json.loads(attempt["S"]).get("response_excerpt", "")
        for table, item in every_table_item(aws)
        if table == aws.env["CG_DELIVERIES_TABLE"]
        for attempt in item.get("attempts", {}).get("L", [])
    ]


def test_after_the_purge_no_store_keeps_an_id_number_and_the_log_still_verifies(
    gateway: Any,
    aws: Any,
    stream: StreamReader,
    receiver: Receiver,
    hook: AnsweringReceiver,
    gone: AnsweringReceiver,
    caplog: Any,
) -> None:
    caplog.set_level(logging.INFO)  # what the functions log at (botocore DEBUG logs bodies)
    life = Lifecycle(gateway)
    gateway.put_region(PROVINCE)
    subscribed = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    subscription_id = subscribed.json_body["subscription_id"]
    hook.reply = echoing(200)
    gone.reply = echoing(410)
    for url in (hook.url, gone.url):
        echoed = gateway.subscribe_as_operator(region=PROVINCE, url=url)
        assert echoed.json_body["state"] == "verified", echoed.json_body
    city = gateway.register_platform(CITY)
    province = gateway.register_platform(PROVINCE)
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name=NAMES[0],
        conduct_ended_on=ended_on,
        responsible_persons=[{"name": NAMES[0], "role": "principal", "id_number": PERSON_CODE}],
    )
    company = recent_entry(
        decision_number="(2026)黑09执7号",
        responsible_persons=[
            {
                "name": NAMES[1],
                "role": "legal_representative",
                "id_number": LEGAL_REPRESENTATIVE,
            }
        ],
    )
    red = recent_entry(
        kind="red",
        domain="trustworthiness_model",
        severity=None,
        reason="诚信经营，获评诚信典型",
        deciding_authority="七台河市发展和改革委员会",
        decision_number="七发改信〔2026〕1号",
        credit_code=PERSON_CODE,
        subject_name=NAMES[0],
    )
    # Listed, delivered in full (黑龙江 recognises its own subtree), answered with feedback.
    person_id, company_id, red_id = (pushed(gateway, city, CITY, e) for e in (person, company, red))
    made = fan_out_and_deliver(aws, stream)
    listed = [d for d in made if d.subscription_id == subscription_id]
    assert {d.change.listing.listing_id for d in listed} == {person_id, company_id, red_id}
    assert person_index(aws) == {person_id, company_id}  # 落实到人: both named, both indexed
    assert PERSON_CODE.encode() in receiver.requests[0].body + receiver.requests[1].body
    # each listing's id_salt (its IDs' commitment in the log): erased with the numbers
    sent = [DeliveryPayload.model_validate_json(r.body) for r in receiver.requests]
    salts = {payload.data.listing.id_salt for payload in sent}
    assert len(salts) == 3
    assert None not in salts
    refused = [x for x in stored_excerpts(aws) if NAMES[0] in x or NAMES[1] in x]
    assert refused, "the refusing endpoint's answer is kept, scrubbed"
    assert [x for x in refused if leaks(x.replace(NAMES[0], "").replace(NAMES[1], ""))] == []
    for delivery in listed:  # the red listing's measures are held back: the person is punished
        if delivery.change.listing.kind == "black":
            assert life.post_feedback(province, delivery.delivery_id).status_code == 201
    replayed = life.post(f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1})
    assert replayed.json_body["queued"] == 3, replayed.json_body
    fan_out_and_deliver(aws, stream)
    # All end; five years and a day on, the tick purges all.
    removals = [removal_of(x, "revoked") for x in (person, company, red)]
    ended = push_with_removals(gateway, city, CITY, removals)
    assert ended.json_body["removed"] == 3, ended.json_body
    fan_out_and_deliver(aws, stream)
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    before = len(receiver.requests)
    expire_queued_messages(aws, at - datetime.now(UTC))  # the refused ones dead-lettered
    tick = life.tick(at)
    assert tick.json_body["purged"] == 3, tick.json_body
    assert person_index(aws) == set()  # erased by the purge itself, before any fan-out
    tombstones = fan_out_and_deliver(aws, stream)  # (moto may hand a late record over here too)
    purged = {d.change.listing.listing_id for d in tombstones if d.change.type == "purged"}
    assert purged == {person_id, company_id, red_id}
    # Replays after the purge: the subscriber gets tombstones where the content was; a new
    # subscription is owed nothing logged before it.
    again = life.post(f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1})
    resent = fan_out_and_deliver(aws, stream)
    late = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url).json_body
    late_replay = life.post(
        f"/v1/subscriptions/{late['subscription_id']}/replay", {"from_sequence": 1}
    )
    run_lifecycle_rules(aws, at)

    assert again.json_body["queued"] == 3, again.json_body
    assert {(d.change.type, d.change.listing.listing_id) for d in resent} == {
        ("purged", person_id),
        ("purged", company_id),
        ("purged", red_id),
    }
    assert all(not leaks(r.body.decode()) for r in receiver.requests[before:])
    assert late_replay.status_code == 400  # owed nothing logged before it: nothing to send
    assert late_replay.json_body["error"]["code"] == "out_of_range"
    assert late_replay.json_body["error"]["path"] == "from_sequence"
    assert person_index(aws) == set()  # and the tombstones' fan-out put nothing back
    items = [
        (table, json.dumps(item, ensure_ascii=False, default=repr))  # the log frontier: bytes
        for table, item in every_table_item(aws)
    ]
    assert [(table, leaks(text)) for table, text in items if leaks(text)] == []
    objects = list(every_object_version(aws))  # tiles are binary; bundles hold UTF-8 leaves
    assert [key for key, body in objects if leaks(body.decode(errors="replace"))] == []
    queued = list(every_queued_message(aws))
    assert [m for m in queued if leaks(m)] == []
    assert leaks(caplog.text) == []
    kept = [t for _, t in items] + [b.decode(errors="replace") for _, b in objects] + queued
    assert [salt for salt in salts if any(salt in text for text in [*kept, caplog.text])] == []
    # The tree, the checkpoints fan-out signed and every delivery the subscriber stored
    # (content before the purge included) still verify; erased entries are owed to nobody.
    log = life.get("/v1/log?limit=1000").json_body
    entries = [LogEntry.model_validate(x) for x in log["entries"]]
    checkpoints = life.get("/v1/log/checkpoints").json_body["checkpoints"]
    keys = gateway.client.http.get("/v1/keys").json_body["keys"]
    stored: dict[str, DeliveryPayload] = {}  # deduplicated by webhook id, as receivers do
    for request in receiver.requests:
        payload = DeliveryPayload.model_validate_json(request.body)
        stored.setdefault(payload.delivery_id, payload)
    report = audit(
        entries,
        [Checkpoint.model_validate(x) for x in checkpoints],
        [PublishedKey.model_validate(k) for k in keys],
        list(stored.values()),
        lambda e: e.sequence not in log["erased"],
        lambda size: tile_hash_reader(size, lambda path: tile(life, path)),
        datetime.now(UTC) + timedelta(days=3650),  # after every grace period: nothing in flight
        from_sequence=1,
        audience=(subscription_id, PROVINCE),
    )
    assert report.problems == ()
    assert report.verified_through == len(entries)  # fan-out signed every change it logged
    assert len(log["erased"]) == 6  # listed and revoked, for each of the three
