"""What ``enable {"redeliver_missed": false}`` declined is never read through again (review
309): every later resume, verify or enable reads which deliveries are dead for a few seconds,
the longest dead first, and behind a long outage's declined backlog — hundreds of thousands of
records after a resync — a delivery parked later, or an objection's notice, was never reached.
The records an enable may decline are kept in partitions of their own, which a read after a
decline starts at the time it declined up to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe

from chalicelib.dynamodb.delivery_listing import DeliveryListing

THIRD_CODE = "91430100MA4L16JQ9D"
LATER_CODE = "91230900MA1BX4HL2A"


def _codes(hook: Any) -> list[str]:
    bodies = (json.loads(r.body) for r in hook.requests)
    return [
        b["data"]["listing"]["credit_code"] for b in bodies if b.get("type") == "listing.changed"
    ]


@pytest.fixture
def records_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the delivery records every read of dead deliveries fetched."""
    fetched: list[str] = []
    items = DeliveryListing._items

    def spied(self: DeliveryListing, ids: list[str]) -> dict[str, dict[str, Any]]:
        fetched.extend(ids)
        return items(self, ids)

    monkeypatch.setattr(DeliveryListing, "_items", spied)
    return fetched


def test_a_resume_after_a_declining_enable_reads_none_of_what_it_declined(
    gateway: Any, stream: Any, queue: Any, hook: Any, records_read: list[str]
) -> None:
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answer(410, "gone")  # the first delivery turns the endpoint off
    sub = subscribe(gateway, hook.url)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    missed = [
        black_entry(),
        black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执201号"),
        black_entry(credit_code=THIRD_CODE, decision_number="(2026)黑09执202号"),
    ]
    push_and_fan_out(gateway, stream, city, CITY, missed)
    queue.run()
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    declined = as_operator(
        gateway, "post", f"{path}/enable", json.dumps({"redeliver_missed": False}).encode()
    )
    assert declined.json_body["redriven"] == 0, declined.json_body
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body["deliveries"]
    declined_ids = {d["delivery_id"] for d in dead}
    assert len(declined_ids) == 3, dead  # still listed as dead, for the record

    hook.answer(204)
    hook.requests.clear()
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    later = black_entry(credit_code=LATER_CODE, decision_number="(2026)黑09执203号")
    push_and_fan_out(gateway, stream, city, CITY, [later])
    queue.run()  # parked: paused
    assert _codes(hook) == []
    records_read.clear()

    resumed = as_operator(gateway, "post", f"{path}/resume")
    assert resumed.status_code == 200, resumed.json_body
    queue.run()

    assert _codes(hook) == [LATER_CODE]
    assert not declined_ids & set(records_read), "the declined backlog was read again"


def test_a_redelivering_enable_after_a_decline_reads_only_what_was_missed_since(
    gateway: Any, stream: Any, queue: Any, hook: Any, records_read: list[str]
) -> None:
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answer(410, "gone")
    sub = subscribe(gateway, hook.url)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    declined = as_operator(
        gateway, "post", f"{path}/enable", json.dumps({"redeliver_missed": False}).encode()
    )
    assert declined.status_code == 200, declined.json_body
    [declined_record] = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body[
        "deliveries"
    ]

    # off again (410), one change missed then; enabled again, redelivering
    second = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执201号")
    push_and_fan_out(gateway, stream, city, CITY, [second])
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    hook.answer(204)
    hook.requests.clear()
    records_read.clear()
    enabled = as_operator(gateway, "post", f"{path}/enable", b"{}")
    assert enabled.json_body["redriven"] == 1, enabled.json_body
    queue.run()

    assert _codes(hook) == [OTHER_CREDIT_CODE]
    assert declined_record["delivery_id"] not in records_read
