"""A delivered record's move out of the dead partitions cut short (throttled past botocore's
retries) costs the delivery nothing: it is counted once and not handed back to be sent again,
and the shard backfill moves the record (review 324: the move raised before the count, and the
message handed again found it settled, never counted)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY
from botocore.exceptions import ClientError
from delivery_support import as_operator, died_on_failures

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.dead_parts import DeliveredWrite
from chalicelib.dynamodb.delivery_backfill import backfill_shards
from chalicelib.dynamodb.sealed_tokens import Sealer
from gateway.statistics.tallies import month_of


def _counted(sub: str) -> int:
    month = container().statistics.read(CITY, month_of(container().clock.now()))
    return sum(c.get(f"delivered#{sub}", 0) for c in month.values())


def test_a_move_cut_short_is_counted_once_and_finished_by_the_backfill(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _city, sub, path, dead = died_on_failures(gateway, stream, queue, hook)
    delivery_id = dead["delivery_id"]
    assert _counted(sub) == 0
    hook.answer(204)
    assert as_operator(gateway, "post", f"{path}/redrive", b"{}").status_code in (200, 202)

    moving = DeliveredWrite._moved
    failed: list[bool] = []

    def throttled_once(self: DeliveredWrite, delivery: Any, held: str) -> None:
        if not failed:
            failed.append(True)
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}},
                "UpdateItem",
            )
        moving(self, delivery, held)

    monkeypatch.setattr(DeliveredWrite, "_moved", throttled_once)
    event = queue.event()
    assert len(event["Records"]) == 1
    first = gateway_app.deliver_webhooks(event, None)
    assert failed, "the move was never attempted"
    assert not first["batchItemFailures"], first  # delivered: not handed back

    table = aws.env["CG_DELIVERIES_TABLE"]
    item = aws.dynamodb.get_item(TableName=table, Key={"delivery_id": {"S": delivery_id}})["Item"]
    assert item["state"]["S"] == "delivered"
    assert _counted(sub) == 1
    assert "#dead#" in item["subscription_shard"]["S"]  # left where it was, for the backfill
    tokens = Sealer(lambda: b"k" * 32, b"test")
    assert backfill_shards(aws.dynamodb, table, tokens, None, 100)[0] == 1
    moved = aws.dynamodb.get_item(TableName=table, Key={"delivery_id": {"S": delivery_id}})
    assert "#dead#" not in moved["Item"]["subscription_shard"]["S"]
