"""A region's statistics item past DynamoDB's 400 KB (its open commitments' deadlines, one
counter a day, grown by its own pushes) holds back no change's logging or delivery: the
counters are written in the log's own transaction, and its refusal failed every stream batch,
every region's deliveries with it (review 386). The changes go on; their counts are lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from app_support import CITY, Gateway
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from lifecycle_support import fan_out_and_deliver, pushed, recent_entry

from chalicelib.bootstrap import container
from gateway.statistics import NOW

FULL = f"stats#now#{CITY}"


@pytest.fixture
def full_item(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """DynamoDB refusing a transaction that would take ``FULL`` past 400 KB, as it cancels
    one (moto does not weigh an update inside a transaction); how many it refused."""
    real = BaseClient._make_api_call
    refused: list[int] = []

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            keys = [
                a.get("Update", {}).get("Key", {}).get("pk", {}) for a in params["TransactItems"]
            ]
            if {"S": FULL} in keys:
                refused.append(1)
                reasons = [
                    {
                        "Code": "ValidationError",
                        "Message": "Item size to update has exceeded the maximum allowed size",
                    }
                    if key == {"S": FULL}
                    else {"Code": "None"}
                    for key in keys
                ]
                error = {"Code": "TransactionCanceledException", "Message": "cancelled"}
                raise ClientError({"Error": error, "CancellationReasons": reasons}, operation)
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    return refused


def test_a_full_statistics_item_holds_back_no_delivery(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any, full_item: list[int]
) -> None:
    city = gateway.register_platform(CITY)
    assert gateway.subscribe_as_operator(region=CITY, url=receiver.url).status_code == 201
    lid = pushed(gateway, city, CITY, recent_entry())

    delivered = fan_out_and_deliver(aws, stream)

    assert full_item, "the counters' transaction was tried"
    assert [d.change.listing.listing_id for d in delivered] == [lid]
    assert receiver.requests, "the webhook was posted"


def test_counts_kept_apart_from_the_log_skip_a_full_item(
    gateway: Gateway, full_item: list[int]
) -> None:
    """What is counted by its own marker (a record that logs nothing) meets the same item: it
    is not counted, and nothing fails (the batch would be retried for ever); its marker is
    kept, so a retry does not meet the item again."""
    delta = {(CITY, NOW, "black#court_defaulter#serious"): 1}

    applied = container().statistics.add_once([("evt-1", delta)], datetime.now(UTC))

    assert full_item
    assert applied == 1
    assert container().statistics.read(CITY, NOW) == {}
    assert container().statistics.add_once([("evt-1", delta)], datetime.now(UTC)) == 0
