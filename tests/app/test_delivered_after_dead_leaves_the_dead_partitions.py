"""A dead record re-driven and then delivered leaves the dead partition it was in: kept there
(the attempt that delivered it wrote no ``subscription_shard``), every later read of what is
dead (resume, verify, enable, released sweep, re-drive of all) read through every delivery ever
re-driven and delivered, and ran out of time again (review 322)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe

import gateway.delivery.redriving as redriving
from chalicelib.dynamodb.delivery_items import shard_key
from chalicelib.dynamodb.delivery_listing import DeliveryListing
from gateway_client.contract.clock import SystemClock

LATER_CODE = "91230900MA1BX4HL2A"
COPIES = 1_000


def _codes(hook: Any) -> list[str]:
    bodies = (json.loads(r.body) for r in hook.requests)
    return [
        b["data"]["listing"]["credit_code"] for b in bodies if b.get("type") == "listing.changed"
    ]


def _dead_then_redriven(gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any):
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    for _ in range(3):
        queue.run()
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body["deliveries"]
    assert len(dead) == 1, dead
    hook.answer(204)
    redriven = as_operator(gateway, "post", f"{path}/redrive", b"{}")
    assert redriven.status_code in (200, 202), redriven.json_body
    queue.run()
    assert len(_codes(hook)) >= 1
    table = aws.env["CG_DELIVERIES_TABLE"]
    item = aws.dynamodb.get_item(
        TableName=table, Key={"delivery_id": {"S": dead[0]["delivery_id"]}}
    )["Item"]
    return city, sub, path, table, item


def test_a_redriven_then_delivered_record_leaves_the_dead_partition(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any
) -> None:
    *_, item = _dead_then_redriven(gateway, aws, stream, queue, hook)
    assert item["state"]["S"] == "delivered"
    shard = item.get("subscription_shard", {}).get("S", "")
    assert "#dead#" not in shard, shard
    assert "#off#" not in shard, shard


@pytest.mark.parametrize("how", ["resume", "redrive_all"])
@pytest.mark.parametrize("read_for", [0.1])
def test_resume_reaches_a_parked_delivery_behind_redriven_history(
    read_for: float,
    how: str,
    gateway: Any,
    aws: Any,
    stream: Any,
    queue: Any,
    hook: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scaled as the review-319 test: 1,000 deliveries re-driven and delivered earlier (copies
    of the real record above, each in the kind of partition the code left it in)."""
    city, sub, path, table, item = _dead_then_redriven(gateway, aws, stream, queue, hook)
    held = item["subscription_shard"]["S"]
    part = next((p for p in ("dead#", "off#") if f"#{p}" in held), "")
    copies = []
    for n in range(COPIES):
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
    hook.requests.clear()
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    later = black_entry(credit_code=LATER_CODE, decision_number="(2026)黑09执203号")
    push_and_fan_out(gateway, stream, city, CITY, [later])
    queue.run()  # parked
    assert _codes(hook) == []

    replies = DeliveryListing._query_replies
    base = datetime.now(UTC)
    spent = [timedelta(0)]
    scanned: list[int] = []

    def slow(self: DeliveryListing, **request: Any) -> Any:
        for reply in replies(self, **request):
            spent[0] += timedelta(milliseconds=10)
            scanned.append(reply.get("ScannedCount", 0))
            yield reply

    monkeypatch.setattr(DeliveryListing, "_query_replies", slow)
    monkeypatch.setattr(SystemClock, "now", lambda self: base + spent[0])
    monkeypatch.setattr(redriving, "DEAD_READ_SECONDS", timedelta(seconds=read_for))
    if how == "resume":
        resumed = as_operator(gateway, "post", f"{path}/resume")
        assert resumed.status_code == 200, resumed.json_body
    else:  # resumed with the dead read taking no time, then the operator's re-drive of all
        monkeypatch.setattr(redriving, "DEAD_READ_SECONDS", timedelta(seconds=0))
        monkeypatch.setattr(redriving.Redriving, "redrive_held", lambda self, sub: 0)
        assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
        monkeypatch.setattr(redriving, "DEAD_READ_SECONDS", timedelta(seconds=read_for))
        redriven = as_operator(gateway, "post", f"{path}/redrive", b"{}")
        assert redriven.status_code in (200, 202), redriven.json_body
    queue.run()
    assert _codes(hook) == [LATER_CODE], (
        f"{how} sent nothing: its dead read scanned {sum(scanned)} entries in "
        f"{len(scanned)} queries (re-driven and delivered records left in dead partitions)"
    )


def test_a_parked_delivery_sent_on_resume_leaves_the_dead_partition(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any
) -> None:
    """The commonest path: a maintenance pause parks deliveries, resume sends them; each stays
    in ``sub#dead#N`` (state delivered) for every later dead read to pass over."""
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    push_and_fan_out(gateway, stream, city, CITY, [black_entry(credit_code=OTHER_CREDIT_CODE)])
    queue.run()  # parked
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    queue.run()
    assert _codes(hook) == [OTHER_CREDIT_CODE]
    table = aws.env["CG_DELIVERIES_TABLE"]
    items = aws.dynamodb.scan(TableName=table)["Items"]
    records = [i for i in items if i.get("subscription_id", {}).get("S") == sub and "state" in i]
    assert records
    assert all(i["state"]["S"] == "delivered" for i in records), records
    stuck = [
        i["subscription_shard"]["S"]
        for i in records
        if "#dead#" in i.get("subscription_shard", {}).get("S", "")
    ]
    assert not stuck, f"sent on resume, still in dead partitions: {stuck}"


def test_what_an_enable_redelivered_leaves_the_declinable_partition(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any
) -> None:
    """The same for ``enable`` (redeliver_missed true): what it sends stays in ``sub#off#N``,
    which every later non-declining enable reads from its start."""
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answer(410, "gone")
    sub = subscribe(gateway, hook.url)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    push_and_fan_out(gateway, stream, city, CITY, [black_entry(credit_code=OTHER_CREDIT_CODE)])
    queue.run()
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    hook.answer(204)
    assert as_operator(gateway, "post", f"{path}/enable", b"{}").status_code == 200
    queue.run()
    assert OTHER_CREDIT_CODE in _codes(hook)
    table = aws.env["CG_DELIVERIES_TABLE"]
    items = aws.dynamodb.scan(TableName=table)["Items"]
    records = [i for i in items if i.get("subscription_id", {}).get("S") == sub and "state" in i]
    assert records
    assert all(i["state"]["S"] == "delivered" for i in records), records
    stuck = [
        i["subscription_shard"]["S"]
        for i in records
        if "#off#" in i.get("subscription_shard", {}).get("S", "")
        or "#dead#" in i.get("subscription_shard", {}).get("S", "")
    ]
    assert not stuck, f"re-sent by enable, still in dead partitions: {stuck}"


def test_a_batched_subscriptions_lines_sent_on_resume_leave_the_dead_partition(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any
) -> None:
    """A batched subscription (made for national resyncs): a batch held back while paused
    records every line dead; resume sends each line, and each stays in ``sub#dead#N``."""
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url, delivery_mode="batched")["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    entries = [
        black_entry(credit_code=OTHER_CREDIT_CODE),
        black_entry(credit_code=LATER_CODE, decision_number="(2026)黑09执203号"),
    ]
    push_and_fan_out(gateway, stream, city, CITY, entries)
    queue.run()  # held back: its lines recorded dead, paused
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    for _ in range(2):
        queue.run()
    assert len(hook.requests) >= 2, [r.body[:80] for r in hook.requests]
    table = aws.env["CG_DELIVERIES_TABLE"]
    items = aws.dynamodb.scan(TableName=table)["Items"]
    lines = [
        i
        for i in items
        if i.get("subscription_id", {}).get("S") == sub
        and "state" in i
        and "batch_message" not in i
    ]
    assert lines
    assert all(i["state"]["S"] == "delivered" for i in lines), lines
    stuck = [
        i["subscription_shard"]["S"]
        for i in lines
        if "#dead#" in i.get("subscription_shard", {}).get("S", "")
    ]
    assert not stuck, f"lines sent on resume, still in dead partitions: {stuck}"
