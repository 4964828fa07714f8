"""Receipts of lines delivered in batches, on the provisioned deliveries table: the sparse
``by_batch_range`` index finds the batch holding a logged change even when another batch of
the same subscription starts between it and the change (fan-out runs log concurrently, so
files' log ranges overlap); nothing counts before the batch is delivered, nor for a change
logged outside every batch's lines."""

from __future__ import annotations

from datetime import UTC, datetime

from integration_support import attempt, delivery_for, listing

from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_receipts import (
    BatchReceipts,
    DeliveryReceipts,
    LoggedReceipts,
)
from gateway.delivery import Batch, Delivery, DeliveryState

SUB = "sub_hn"


def line(n: int, log_sequence: int) -> Delivery:
    held = listing(decision_number=f"(2026)批{n}号")
    return delivery_for(SUB, held).model_copy(update={"log_sequence": log_sequence, "sequence": n})


def batch_of(lines: list[Delivery], name: str) -> Batch:
    logged = [d.log_sequence or 0 for d in lines]
    return Batch(
        delivery_id=f"bat_{name:0>32}",
        subscription_id=SUB,
        key=f"batches/{SUB}/{name}.ndjson",
        sha256="0" * 64,
        size=1,
        count=len(lines),
        first_sequence=lines[0].sequence or 0,
        last_sequence=lines[-1].sequence or 0,
        first_log_sequence=min(logged),
        last_log_sequence=max(logged),
        created_at=datetime(2026, 5, 1, tzinfo=UTC),
    )


def test_a_line_is_found_in_its_batch_past_an_overlapping_one_and_only_once_delivered(aws):
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    a = [line(1, 10), line(2, 30)]  # one run's file: logged 10 and 30
    b = [line(3, 20), line(4, 21)]  # another run's, logged between them
    c = [line(5, 40), line(6, 41)]  # not delivered yet
    logged = {d.change.listing.listing_id: [d.log_sequence or 0] for d in a + b + c}
    logged["lst_unlogged"] = [25]  # logged inside a's range, in no batch's lines
    table = aws.env["CG_DELIVERIES_TABLE"]
    receipts = DeliveryReceipts(
        log,
        LoggedReceipts(aws.dynamodb, table, lambda _: []),  # no change delivered singly
        BatchReceipts(aws.dynamodb, table, logged.get, lambda: [SUB], set),
        lambda: [SUB],
    )
    log.delivered_batch(batch_of(a, "a"), attempt(204), a)
    log.delivered_batch(batch_of(b, "b"), attempt(204), b)
    log.record(batch_of(c, "c"), attempt(500), DeliveryState.RETRYING)

    def received(d: Delivery) -> set[str]:
        return receipts.subscriptions_that_received(d.change.listing.listing_id)

    assert [received(d) for d in a + b] == [{SUB}] * 4  # 30: past b, which starts at 20
    assert [received(d) for d in c] == [set(), set()]
    assert receipts.subscriptions_that_received("lst_unlogged") == set()
    first = a[0].change.listing.listing_id  # fan-out asks only of those its filters leave out
    assert receipts.subscriptions_that_received(first, among=["sub_other"]) == set()
