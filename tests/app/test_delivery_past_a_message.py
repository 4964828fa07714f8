"""A delivery built only from what platforms may send passes SQS's 256 KiB a message (UTF-8
bytes, which moto does not count): 湖南 recognises 湖北's black lists under the largest agreement
a region's 160 KiB admit, 大冶 lists a court defaulter at every field's limit, and its objections
are filed, verified and decided once a month for three years. The decision's delivery (the
listing with its history, and the measures) goes by reference and reaches 湖南 whole (review
376: the fan-out failed on every retry of its stream batch, and nothing behind it was sent)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from app_support import (
    CREDIT_CODE,
    DAYE,
    HUBEI,
    HUNAN,
    agreement_terms,
    consume,
    create_agreement,
    daye_black_entry,
    sqs_event,
)
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from delivery_support import DeliveryQueue
from lifecycle_support import Lifecycle, china_today, listing_path, recent_entry

import app as gateway_app
from gateway_client.contract.clock import CHINA

SQS_LIMIT = 256 * 1024
C = "\U00020000"  # 𠀀: one character, four UTF-8 bytes


def t(n: int) -> str:
    return C * n


def big_measures(count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "measure_id": f"{prefix}_{i:03d}",
            "text": t(500),
            "department": t(200),
            "mandatory": False,
            "kinds": ["black"],
            "legal_basis": t(300),
        }
        for i in range(count)
    ]


def sign_largest_agreement(gateway: Any) -> int:
    """Sign for 湖南 the largest agreement on 湖北's black lists the 160 KiB rule admits."""
    for count in range(45, 0, -1):
        made = create_agreement(
            gateway,
            agreement_terms(
                title=t(200),
                min_severity=None,
                sources=[{"region": HUBEI, "subtree": True}],
                measures=big_measures(count, "m"),
            ),
        )
        if made.status_code == 201:
            return count
        assert made.json_body["error"]["code"] == "agreements_too_large", made.json_body
    raise AssertionError("no agreement fits")


def largest_entry() -> dict[str, Any]:
    base = recent_entry(days_ago=30)
    return daye_black_entry(
        subject_name=t(200),
        reason=t(4000),
        legal_basis=t(4000),
        deciding_authority=t(200),
        decision_number=t(200),
        decided_on=base["decided_on"],
        valid_from=base["valid_from"],
        source_updated_at=base["source_updated_at"],
        open_ended=True,  # 第一条第一项: no term, so listed for the years its objections take
        responsible_persons=[
            {"name": t(200), "role": "directly_responsible", "id_number": "11010519491231002X"}
            for _ in range(20)
        ],
    )


def queued_bodies(aws: Any) -> list[str]:
    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    event = sqs_event(aws.sqs, url, "cn-northwest-1")
    consume(aws.sqs, url, event)
    return [r["body"] for r in event["Records"]]


def sqs_counts_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """SendMessageBatch refused as SQS refuses it: a call whose bodies come to more than
    256 KiB in UTF-8 (moto counts characters)."""
    real = BaseClient._make_api_call

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "SendMessageBatch":
            total = sum(len(e["MessageBody"].encode()) for e in params.get("Entries", []))
            if total > SQS_LIMIT:
                raise ClientError(
                    {
                        "Error": {
                            "Code": "AWS.SimpleQueueService.BatchRequestTooLong",
                            "Message": f"Batch requests cannot be longer than {SQS_LIMIT} bytes",
                        }
                    },
                    operation,
                )
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)


CYCLES = 38  # the decision's delivery is then 262,571 bytes (review 376)


def object_monthly(gateway: Any, daye: Any, lid: str, stream: Any, aws: Any) -> datetime:
    """An objection a month for ``CYCLES`` months, filed, verified and decided (upheld) by the
    owner, each with its words at their limit; every step fanned out but the last cycle's.
    When the last decision was made."""
    life = Lifecycle(gateway)
    path = listing_path(CREDIT_CODE, lid)
    start = china_today()
    for cycle in range(1, CYCLES + 1):
        # an objection a month, as a subject may object at any time (30 days apart at least)
        moment = datetime.combine(start + timedelta(days=32 * cycle), time(10), tzinfo=CHINA)
        with time_machine.travel(moment, tick=True):
            oid = f"o{cycle:03d}-" + "x" * 59  # 64 characters, as an objection id may have
            filed = life.file_objection(CREDIT_CODE, lid, oid, signer=daye, reason=t(2000))
            assert filed.status_code == 201, filed.json_body
            later = (moment + timedelta(minutes=1)).isoformat()
            verified = life.post(
                f"{path}/objections/{oid}/verified",
                {"note": t(2000), "source_updated_at": later},
                daye,
            )
            assert verified.status_code == 200, verified.json_body
            decided = life.post(
                f"{path}/objections/{oid}/decision",
                {
                    "outcome": "upheld",
                    "note": t(2000),
                    "source_updated_at": later,
                    "source_sequence": 1,
                },
                daye,
            )
            assert decided.status_code == 200, decided.json_body
            if cycle < CYCLES:
                gateway_app.fan_out_changes(stream.event(), None)
                queued_bodies(aws)
    return moment


def test_a_delivery_past_a_message_is_queued_by_reference_and_delivered_whole(
    gateway: Any,
    receiver: Any,
    stream: Any,
    aws: Any,
    queue: DeliveryQueue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUBEI, name="湖北省")
    gateway.put_region(HUNAN, name="湖南省")
    assert sign_largest_agreement(gateway) >= 30
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201, sub.json_body
    pushed = gateway.push(daye, DAYE, [largest_entry()])
    assert pushed.json_body.get("accepted") == 1, pushed.json_body
    lid = pushed.json_body["outcomes"][0]["listing_id"]
    gateway_app.fan_out_changes(stream.event(), None)
    queued_bodies(aws)
    moment = object_monthly(gateway, daye, lid, stream, aws)
    sqs_counts_bytes(monkeypatch)

    with time_machine.travel(moment + timedelta(hours=1), tick=True):
        gateway_app.fan_out_changes(stream.event(), None)
        event = queue.event()
        queue.run(event)

    messages = [r["body"] for r in event["Records"]]
    assert max(len(m.encode()) for m in messages) <= SQS_LIMIT
    assert json.loads(messages[-1])["type"] == "delivery.by_reference"
    [received] = receiver.requests[-1:]
    assert len(received.body) > SQS_LIMIT
    body = json.loads(received.body)
    assert body["data"]["listing"]["objection"]["outcome"] == "upheld"
    assert len(body["data"]["listing"]["history"]) >= 3 * CYCLES
