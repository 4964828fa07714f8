"""A record settled for good without a post (``not_sent`` erased / superseded, ``NEVER_SENT``) is
recorded DEAD but kept in the ordinary partitions of ``by_subscription_shard``: nothing ever
re-drives it, yet in a dead partition every later read of what is dead — resume, verify,
enable, the released sweep, "re-drive all" — read it first and counted it toward
``REDRIVE_LIMIT`` (review 324)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import (
    CITY,
    OTHER_CREDIT_CODE,
    PROVINCE,
    Gateway,
    Receiver,
    StreamReader,
    black_entry,
    consume,
)
from delivery_support import as_operator
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    queued_event,
    recent_entry,
    removal_of,
)

import app as gateway_app
import gateway.delivery.redriving as redriving
from chalicelib.dynamodb.delivery_items import shard_key
from chalicelib.dynamodb.delivery_listing import DeliveryListing
from gateway.delivery.planning import Delivery
from gateway_client.contract.clock import SystemClock

COPIES = 1_000


def _withheld(gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver):
    """As test_withheld_after_purge: content queued before its listing's purge is recorded dead
    with ``not_sent`` erased. The subscription id, the city's signer, and the erased item."""
    life = Lifecycle(gateway)
    gateway.put_region(PROVINCE)
    subscribed = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    sub = subscribed.json_body["subscription_id"]
    city = gateway.register_platform(CITY)
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        conduct_ended_on=(china_today() - timedelta(days=10)).isoformat(),
    )
    pushed(gateway, city, CITY, person)
    fan_out_and_deliver(aws, stream)
    removed = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    assert life.tick(at).json_body["purged"] == 1
    backlog = queued_event(aws)
    gateway_app.deliver_webhooks(backlog, None)
    consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], backlog)
    [content] = [Delivery.model_validate_json(r["body"]) for r in backlog["Records"]]
    fan_out_and_deliver(aws, stream)  # the tombstone
    table = aws.env["CG_DELIVERIES_TABLE"]
    item = aws.dynamodb.get_item(TableName=table, Key={"delivery_id": {"S": content.delivery_id}})[
        "Item"
    ]
    assert item["state"]["S"] == "dead"
    assert '"not_sent":"erased"' in item["attempts"]["L"][-1]["S"]
    return sub, city, table, item


def _copies(aws: Any, table: str, sub: str, item: dict[str, Any], count: int) -> None:
    """``count`` copies of the erased record, older than anything else, each in the kind of
    partition the code left the real one in."""
    held = item["subscription_shard"]["S"]
    part = next((p for p in ("dead#", "off#") if f"#{p}" in held), "")
    copies = []
    for n in range(count):
        delivery_id = f"msg_{n:032x}"
        copy = dict(item)
        copy["delivery_id"] = {"S": delivery_id}
        copy["subscription_shard"] = {"S": shard_key(sub, delivery_id, part)}
        copy["updated_at"] = {"S": f"2026-01-01T00:00:{n // 1000:02d}.{n % 1000:03d}000+00:00"}
        copies.append(copy)
    for start in range(0, len(copies), 25):
        aws.dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in copies[start : start + 25]]}
        )


def _codes(receiver: Receiver) -> list[str]:
    out = []
    for r in receiver.requests:
        body = json.loads(r.body)
        if body.get("type") == "listing.changed":
            out.append(body["data"]["listing"]["credit_code"])
    return out


def test_an_erased_record_is_not_left_in_a_dead_partition(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    *_, item = _withheld(gateway, aws, stream, receiver)
    shard = item.get("subscription_shard", {}).get("S", "")
    assert "#dead#" not in shard, (
        f"settled for good (erased), yet in a dead partition every dead read passes over: {shard}"
    )
    assert "#off#" not in shard, shard


def _parked_later(gateway: Gateway, aws: Any, stream: StreamReader, city: Any, sub: str) -> str:
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    later = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执203号")
    response = gateway.push(city, CITY, [later])
    assert response.json_body["accepted"] == 1, response.json_body
    fan_out_and_deliver(aws, stream)  # parked
    return path


def test_re_drive_all_reaches_a_dead_delivery_behind_erased_history(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``REDRIVE_LIMIT`` scaled down to 5 (10,000 in production): 10 erased records older than a
    parked delivery fill every call's 5 ids; no call ever reaches the parked one."""
    sub, city, table, item = _withheld(gateway, aws, stream, receiver)
    _copies(aws, table, sub, item, 10)
    path = _parked_later(gateway, aws, stream, city, sub)
    receiver.requests.clear()
    monkeypatch.setattr(redriving.Redriving, "redrive_held", lambda self, s: 0)
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 5)
    for _ in range(3):  # the operator asks again and again, as documented
        redriven = as_operator(gateway, "post", f"{path}/redrive", b"{}")
        assert redriven.status_code in (200, 202), redriven.json_body
        backlog = queued_event(aws)
        gateway_app.deliver_webhooks(backlog, None)
        consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], backlog)
    assert _codes(receiver) == [OTHER_CREDIT_CODE], (
        "re-drive of all dead never reached the dead delivery: its "
        "REDRIVE_LIMIT ids are erased (never-sent) records, read again at every call"
    )


def test_resume_reaches_a_parked_delivery_behind_erased_history(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scaled as the review-319/322 tests (1,000 records, a 0.1 s read budget, 10 ms a query)."""
    sub, city, table, item = _withheld(gateway, aws, stream, receiver)
    _copies(aws, table, sub, item, COPIES)
    path = _parked_later(gateway, aws, stream, city, sub)
    receiver.requests.clear()
    replies = DeliveryListing._query_replies
    base = datetime.now(UTC)
    spent = [timedelta(0)]

    def slow(self: DeliveryListing, **request: Any) -> Any:
        for reply in replies(self, **request):
            spent[0] += timedelta(milliseconds=10)
            yield reply

    monkeypatch.setattr(DeliveryListing, "_query_replies", slow)
    monkeypatch.setattr(SystemClock, "now", lambda self: base + spent[0])
    monkeypatch.setattr(redriving, "DEAD_READ_SECONDS", timedelta(seconds=0.1))
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    backlog = queued_event(aws)
    gateway_app.deliver_webhooks(backlog, None)
    consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], backlog)
    assert _codes(receiver) == [OTHER_CREDIT_CODE], (
        "resume sent nothing: its dead read ran through erased (never-sent) history"
    )
