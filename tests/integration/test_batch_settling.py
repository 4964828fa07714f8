"""A batch's settling on the provisioned tables, whatever is cut short: its lines' delivered
counts are finished by a retry, exactly once; a dead settle cut short and then delivered
leaves each line listed once, delivered, with nothing dead to re-drive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import pytest
from integration_support import ACCEPTED_AT, REGION, attempt, delivery_for, listing
from test_batch_receipts import SUB, batch_of, line

from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.statistics import Change, DynamoStatistics
from gateway.delivery import Batch, DeliveryState
from gateway.delivery.batch_sending import settle
from gateway.delivery.ports import BatchFiles
from gateway.statistics import Key
from gateway.statistics.tallies import DELIVERED, month_of
from gateway_client.contract import NATION


class Throttled(DynamoStatistics):
    """The statistics table, refusing its first ``refusals`` writes (a throttle)."""

    def __init__(self, aws: Any, refusals: int) -> None:
        super().__init__(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
        self.refusals = refusals

    def add_once(self, changes: Sequence[Change], now: datetime, *args: Any) -> int:
        if self.refusals:
            self.refusals -= 1
            raise RuntimeError("ProvisionedThroughputExceededException")
        return super().add_once(changes, now, *args)

    def add(self, deltas: Mapping[Key, int], now: datetime) -> None:
        if self.refusals:
            self.refusals -= 1
            raise RuntimeError("ProvisionedThroughputExceededException")
        super().add(deltas, now)


class Files:
    """The bucket's files, as far as settling goes (it removes the settled file)."""

    def remove(self, key: str) -> None:
        pass


FILES = cast("BatchFiles", Files())


class CutShort(DynamoDeliveryLog):
    """The function dies before the batch's own dead record (after its lines')."""

    def record(self, delivery: Any, attempt: Any, state: DeliveryState, logs: Any = ()) -> None:
        if isinstance(delivery, Batch):
            raise TimeoutError("the function was cut off")
        super().record(delivery, attempt, state, logs)


def delivered_count(statistics: DynamoStatistics) -> int:
    counted = statistics.read(REGION, month_of(ACCEPTED_AT))
    return sum(c.get(f"{DELIVERED}#{SUB}", 0) for c in counted.values())


def test_a_throttled_count_is_finished_by_the_retry_exactly_once(aws: Any) -> None:
    statistics = Throttled(aws, refusals=1)
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], statistics)
    lines = [line(n, 100 + n) for n in range(1, 301)]
    batch = batch_of(lines, "a")

    with pytest.raises(RuntimeError):  # settled, but not counted: the message comes again
        log.delivered_batch(batch, attempt(204), lines)
    assert log.progress(batch.delivery_id).state is DeliveryState.DELIVERED
    assert delivered_count(statistics) == 0

    log.delivered_batch(batch, attempt(204, seconds=5), lines)  # its write refused
    log.delivered_batch(batch, attempt(204, seconds=9), lines)
    log.finish_batch(batch.delivery_id)  # a later copy of the message

    assert delivered_count(statistics) == 300


def test_a_count_cut_off_after_the_write_is_finished_by_a_later_copy_once(aws: Any) -> None:
    statistics = Throttled(aws, refusals=1)
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], statistics)
    lines = [line(n, 100 + n) for n in range(1, 4)]
    batch = batch_of(lines, "c")
    with pytest.raises(RuntimeError):
        log.delivered_batch(batch, attempt(204), lines)

    log.finish_batch(batch.delivery_id)
    log.finish_batch(batch.delivery_id)
    log.finish_batch("bat_never_sent")

    assert delivered_count(statistics) == 3


def test_a_dead_settle_cut_short_then_delivered_lists_each_line_once_and_none_dead(
    aws: Any,
) -> None:
    table = aws.env["CG_DELIVERIES_TABLE"]
    statistics = DynamoStatistics(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
    log = DynamoDeliveryLog(aws.dynamodb, table, statistics)
    lines = [line(1, 10), line(2, 11), line(3, 12)]
    batch = batch_of(lines, "b")
    with pytest.raises(TimeoutError):  # its lines recorded dead, not the batch
        settle(CutShort(aws.dynamodb, table), FILES, batch, attempt(500), DeliveryState.DEAD, lines)
    assert log.progress(batch.delivery_id).state is None  # unsettled: SQS hands it again
    assert len(log.for_subscription(SUB, DeliveryState.DEAD)) == 3

    settle(log, FILES, batch, attempt(204, seconds=60), DeliveryState.DELIVERED, lines)

    listed = log.for_subscription(SUB)
    assert sorted(v["delivery_id"] for v in listed) == sorted(d.delivery_id for d in lines)
    assert {(v["state"], v.get("batch_id")) for v in listed} == {("delivered", batch.delivery_id)}
    assert log.for_subscription(SUB, DeliveryState.DEAD) == []  # nothing for a re-drive
    assert [log.get(d.delivery_id) for d in lines] == [None] * 3  # one record: the batch's
    item = aws.dynamodb.get_item(TableName=table, Key={"delivery_id": {"S": batch.delivery_id}})
    assert "lines_dead" not in item["Item"]
    assert delivered_count(statistics) == 3


def test_a_late_dead_copy_of_a_delivered_batch_records_no_line_dead(aws: Any) -> None:
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    lines = [line(1, 10), line(2, 11)]
    batch = batch_of(lines, "d")
    settle(log, FILES, batch, attempt(204), DeliveryState.DELIVERED, lines)

    settle(log, FILES, batch, attempt(500, seconds=5), DeliveryState.DEAD, lines)

    assert log.progress(batch.delivery_id).state is DeliveryState.DELIVERED
    assert log.for_subscription(SUB, DeliveryState.DEAD) == []
    assert [log.get(d.delivery_id) for d in lines] == [None, None]


def test_a_line_re_driven_meanwhile_is_left_as_it_is(aws: Any) -> None:
    table = aws.env["CG_DELIVERIES_TABLE"]
    log = DynamoDeliveryLog(aws.dynamodb, table)
    lines = [line(1, 10), line(2, 11)]
    batch = batch_of(lines, "e")
    with pytest.raises(TimeoutError):
        settle(CutShort(aws.dynamodb, table), FILES, batch, attempt(500), DeliveryState.DEAD, lines)
    assert log.reopen(lines[0].delivery_id)  # an operator's re-drive took it

    log.delivered_batch(batch, attempt(204, seconds=60), lines)

    assert log.state(lines[0].delivery_id) is DeliveryState.RETRYING
    assert log.state(lines[1].delivery_id) is None


def test_a_batch_from_more_regions_than_one_transaction_holds_is_counted_once(aws: Any) -> None:
    statistics = Throttled(aws, refusals=0)
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], statistics)
    regions = [f"{11 + r}0000" for r in range(20)]  # 20 provinces: up to 160 counter items
    lines = [
        delivery_for(SUB, listing(region=region, decision_number=f"(2026)批{r}-{n}号")).model_copy(
            update={"log_sequence": 100 * r + n, "sequence": 10 * r + n}
        )
        for r, region in enumerate(regions)
        for n in range(10)
    ]
    batch = batch_of(lines, "f")

    log.delivered_batch(batch, attempt(204), lines)
    log.delivered_batch(batch, attempt(204, seconds=5), lines)

    counted = statistics.read(NATION, month_of(ACCEPTED_AT))
    assert sum(c.get(f"{DELIVERED}#{SUB}", 0) for c in counted.values()) == 200
    assert {region for region, c in counted.items() if c} == set(regions)
