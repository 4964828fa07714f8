"""A stream batch whose fan-out failed (StreamFailureQueue), re-driven after the listing's purge
and its tombstone's fan-out, leaves no person index entry for the purged listing (review 265):
one names the listing's key, a natural person's full ID number, and the keyed hash of a
responsible person, and nothing would erase it again. ``PersonIndexer.follow`` now erases what
it put for a listing the purge marked, as ``rebuild`` does (review 54)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY
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
from test_erasure_audit import expire_queued_messages

import app as gateway_app

SECOND = "110108198506150478"


def test_a_redriven_step_after_the_purge_puts_nothing_back_in_the_person_index(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    first = {"name": "黄某某", "role": "principal", "id_number": PERSON_CODE}
    entry = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        conduct_ended_on=ended_on,
        responsible_persons=[first],
    )
    listing_id = pushed(gateway, city, CITY, entry)
    fan_out_and_deliver(aws, stream)
    # an update naming a second person: its stream batch fails fan-out (left for the re-drive)
    second = {"name": "周某某", "role": "directly_responsible", "id_number": SECOND}
    updated = {
        **entry,
        "responsible_persons": [first, second],
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
    }
    assert pushed(gateway, city, CITY, updated) == listing_id
    failed_batch = stream.event()
    assert failed_batch["Records"]
    ended = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body
    fan_out_and_deliver(aws, stream)
    at = china_noon(add_months(china_today(), 60) + timedelta(days=30))
    expire_queued_messages(aws, at - datetime.now(UTC))
    tick = life.tick(at)
    assert tick.json_body["purged"] == 1, tick.json_body
    fan_out_and_deliver(aws, stream)  # the tombstone
    persons = aws.env["CG_PERSONS_TABLE"]
    assert aws.dynamodb.scan(TableName=persons)["Items"] == []

    gateway_app.fan_out_changes(failed_batch, None)  # the operator's re-drive

    from test_erasure_audit import every_object_version, every_table_item

    elsewhere = [
        (table, text[:200])
        for table, item in every_table_item(aws)
        if table != persons
        and (
            PERSON_CODE in (text := json.dumps(item, ensure_ascii=False, default=repr))
            or SECOND in text
        )
    ]
    files = [
        k
        for k, b in every_object_version(aws)
        if PERSON_CODE.encode() in b and not k.startswith("pushes/")
    ]
    print("ELSEWHERE", elsewhere, files)
    left = [
        json.dumps(item, ensure_ascii=False)
        for item in aws.dynamodb.scan(TableName=persons)["Items"]
    ]
    assert left == [], "person index entries of a purged listing came back: " + "; ".join(left)
