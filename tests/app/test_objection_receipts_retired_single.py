"""Whether a region may object as a recipient is read from the delivery log; batches are looked
in only for subscriptions that may have had batches. Every deleted subscription of the region
(up to 200 kept) was asked about as if batched, one ``by_batch_range`` query per deleted
subscription and logged change of the listing, on every attempt, refused or not (review 292):
a deletion's mark now says whether it had batches."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import botocore.client
import pytest
from app_support import CREDIT_CODE, HUNAN, Gateway
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    now,
    pushed,
    qingcheng_entry,
)

DELETED = 5
VERSIONS = 3


def test_a_refused_objection_asks_no_batches_of_a_region_that_never_batched(
    aws: Any, gateway: Gateway, stream: Any, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.configure(subscription_creations_per_minute="1000", url_challenges_per_minute="1000")
    life = Lifecycle(gateway)
    owner, hunan = (gateway.register_platform(code) for code in (QINGCHENG, HUNAN))
    first = now() - timedelta(hours=1)
    listing_id = ""
    for n in range(VERSIONS):  # the owner's listing, changed now and then
        stamp = (first + timedelta(minutes=n)).isoformat()
        listing_id = pushed(
            gateway, owner, QINGCHENG, qingcheng_entry(source_updated_at=stamp, reason=f"理由{n}")
        )
        fan_out_and_deliver(aws, stream)  # logged
    body = json.dumps({"region": HUNAN, "url": receiver.url}).encode()
    for _ in range(DELETED):  # single delivery, never batched
        made = gateway.send_signed("POST", "/v1/subscriptions", hunan, body)
        assert made.status_code == 201, made.json_body
        sid = made.json_body["subscription_id"]
        assert gateway.send_signed("DELETE", f"/v1/subscriptions/{sid}", hunan).status_code == 200

    queries: list[str] = []
    current = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "Query" and params.get("IndexName") == "by_batch_range":
            queries.append(params["ExpressionAttributeValues"][":sub"]["S"])
        return current(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    path = listing_path(CREDIT_CODE, listing_id) + "/objections"
    filed = life.post(
        path, {"objection_id": "hn-1", "reason": "异议", "on_behalf": "subject"}, hunan
    )
    assert filed.status_code == 403, filed.json_body  # never delivered: listing_not_received
    assert queries == []  # none of them ever batched
