"""Every read of what is dead (resume, verify, enable, a released sweep, the operator's re-drive
of all) read a subscription's partitions from its first entry on, oldest first: every page
ever written (one per queueing: a fan-out, a re-drive, a replay) was read through, filtered out
in the index, before a delivery parked last; behind a month of it the 8 s read ended before it
reached what was parked, and resume sent nothing, every time (review 319). The dead are in
partitions of their own now, which those reads read alone.

Scaled down by 80: 2,000 pages written earlier (at real scale 160,000: a subscription queued
to every ~15 s for a month), each Query taking 10 ms of the gateway's clock (moto's own time
frozen out), and the read given 0.1 s instead of 8 s."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe

import gateway.delivery.redriving as redriving
from chalicelib.dynamodb.delivery_listing import DeliveryListing
from chalicelib.dynamodb.delivery_pages import page_item
from gateway_client.contract.clock import SystemClock

PAGES = 2_000


def _codes(hook: Any) -> list[str]:
    bodies = (json.loads(r.body) for r in hook.requests)
    return [
        b["data"]["listing"]["credit_code"] for b in bodies if b.get("type") == "listing.changed"
    ]


@pytest.mark.parametrize("read_for", [0.1])  # as 160,000 pages in 8 s
def test_resume_reaches_a_parked_delivery_behind_the_page_history(
    read_for: float,
    gateway: Any,
    aws: Any,
    stream: Any,
    queue: Any,
    hook: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    table = aws.env["CG_DELIVERIES_TABLE"]
    items = [
        page_item(
            sub, [f"msg_{n:032x}"], f"2026-01-01T00:00:{n // 1000:02d}.{n % 1000:03d}000+00:00"
        )
        for n in range(PAGES)
    ]
    for start in range(0, len(items), 25):
        aws.dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    push_and_fan_out(gateway, stream, city, CITY, [black_entry(credit_code=OTHER_CREDIT_CODE)])
    queue.run()  # parked
    assert _codes(hook) == []

    scanned: list[int] = []
    replies = DeliveryListing._query_replies
    base = datetime.now(UTC)
    spent = [timedelta(0)]

    def slow(self: DeliveryListing, **request: Any) -> Any:
        for reply in replies(self, **request):
            spent[0] += timedelta(milliseconds=10)  # a Query's round trip
            scanned.append(reply.get("ScannedCount", 0))
            yield reply

    monkeypatch.setattr(DeliveryListing, "_query_replies", slow)
    monkeypatch.setattr(SystemClock, "now", lambda self: base + spent[0])
    monkeypatch.setattr(redriving, "DEAD_READ_SECONDS", timedelta(seconds=read_for))
    resumed = as_operator(gateway, "post", f"{path}/resume")
    assert resumed.status_code == 200, resumed.json_body
    queue.run()
    assert _codes(hook) == [OTHER_CREDIT_CODE], (
        f"resume sent nothing: its dead read scanned {sum(scanned)} index entries "
        f"in {len(scanned)} queries (pages, filtered out) and ran out of time"
    )


@pytest.mark.parametrize("read_for", [0.1])
def test_the_operators_redrive_of_all_reaches_a_dead_letter_behind_the_page_history(
    read_for: float,
    gateway: Any,
    aws: Any,
    stream: Any,
    queue: Any,
    hook: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    table = aws.env["CG_DELIVERIES_TABLE"]
    items = [
        page_item(
            sub, [f"msg_{n:032x}"], f"2026-01-01T00:00:{n // 1000:02d}.{n % 1000:03d}000+00:00"
        )
        for n in range(PAGES)
    ]
    for start in range(0, len(items), 25):
        aws.dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry(credit_code=OTHER_CREDIT_CODE)])
    for _ in range(3):
        queue.run()
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body["deliveries"]
    assert len(dead) == 1, dead
    hook.answer(204)
    hook.requests.clear()

    replies = DeliveryListing._query_replies
    base = datetime.now(UTC)
    spent = [timedelta(0)]

    def slow(self: DeliveryListing, **request: Any) -> Any:
        for reply in replies(self, **request):
            spent[0] += timedelta(milliseconds=10)
            yield reply

    monkeypatch.setattr(DeliveryListing, "_query_replies", slow)
    monkeypatch.setattr(SystemClock, "now", lambda self: base + spent[0])
    monkeypatch.setattr(redriving, "DEAD_READ_SECONDS", timedelta(seconds=read_for))
    redriven = as_operator(gateway, "post", f"{path}/redrive", b"{}")
    assert redriven.status_code in (200, 202), redriven.json_body
    queue.run()
    assert _codes(hook) == [OTHER_CREDIT_CODE], f"re-drive of all: {redriven.json_body}"


def test_real_queueings_pages_are_read_by_a_resume(
    gateway: Any, stream: Any, queue: Any, hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same with pages written by real fan-outs: each delivered at once, none dead, and a
    resume's dead read evaluates none of their pages."""
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    sub = subscribe(gateway, hook.url)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    for n in range(30):
        entry = black_entry(decision_number=f"(2026)黑09执{500 + n}号")
        push_and_fan_out(gateway, stream, city, CITY, [entry])
        queue.run()
    assert len(_codes(hook)) == 30
    scanned: list[int] = []
    replies = DeliveryListing._query_replies

    def counted(self: DeliveryListing, **request: Any) -> Any:
        for reply in replies(self, **request):
            scanned.append(reply.get("ScannedCount", 0))
            yield reply

    monkeypatch.setattr(DeliveryListing, "_query_replies", counted)
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    assert sum(scanned) == 0, f"nothing is dead, yet the resume read {sum(scanned)} index entries"
