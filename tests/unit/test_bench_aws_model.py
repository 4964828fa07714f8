"""The AWS model of the national resync (bench/aws_model.py): it grows with the load, the limit
that binds is the one expected, and what a documented limit or an assumption changes shows in
the figure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bench.aws_model import Assumptions, FanOutRun, Limits, Measured, model
from infra.sizing import INGEST_RANGES_AT_ONCE, SIZES
from infra.stream_failures import STREAM_BATCH_SIZE

MEASURED = Measured(
    ingest_wru_per_entry=3.0,
    ingest_requests_per_entry=0.05,
    ingest_cpu_seconds_per_entry=0.0003,
    ingest_pass1_cpu_seconds_per_entry=0.00003,
    listing_item_bytes=1088,
    fanout_subscriptions=10,
    fanout_wru_per_change=6.2,
    fanout_ddb_requests_per_change=1.2,
    fanout_cpu_seconds_per_change=0.005,
    log_steps_per_change=0.03,
    delivery_wru=5.0,
    page_wru_per_delivery=0.05,
    delivery_subscription_index_wru=2.0,
    delivery_requests=3.0,
    batch_record_lines=500,
    batch_record_wru_per_line=0.2,
    batch_subscriber_partition_wru=3.0,
)


def seconds(measured: Measured = MEASURED, **assumed: Any) -> float:
    return float(model(measured, assumptions=Assumptions(**assumed))["seconds"])


@pytest.mark.parametrize("batched", [0, 10, 31])
def test_more_entries_or_more_subscribers_never_take_less_time(batched: int) -> None:
    by_entries = [
        seconds(entries=n, batched_subscribers=batched) for n in (10_000, 100_000, 1_000_000)
    ]
    by_subscribers = [seconds(subscribers=s, batched_subscribers=batched) for s in (1, 10, 31)]
    assert by_entries == sorted(by_entries)
    assert by_entries[0] < by_entries[-1]
    assert by_subscribers == sorted(by_subscribers)


def test_heavier_measured_costs_never_take_less_time() -> None:
    base = seconds()
    for name in ("delivery_wru", "fanout_cpu_seconds_per_change", "log_steps_per_change"):
        heavier = replace(MEASURED, **{name: getattr(MEASURED, name) * 4})
        assert seconds(heavier) >= base, name


def test_a_slow_province_endpoint_binds_single_delivery() -> None:
    result = model(MEASURED, assumptions=Assumptions(subscriber_webhooks_per_s=50))
    assert result["bottleneck"] == "deliver: subscriber_endpoint"
    assert result["seconds"] == pytest.approx(1_000_000 / 50)


def test_the_table_write_quota_binds_heavy_delivery_records_and_scales_with_it() -> None:
    fast_endpoints = Assumptions(subscriber_webhooks_per_s=1e9)
    heavy = replace(MEASURED, delivery_wru=20.0, delivery_subscription_index_wru=0.5)
    result = model(heavy, assumptions=fast_endpoints)
    assert result["bottleneck"] == "deliver: table_write_quota"
    assert result["seconds"] == pytest.approx(31_000_000 * 20 / 40_000)
    doubled = model(heavy, Limits(table_wcu_per_s=80_000), fast_endpoints)
    assert doubled["stages"]["deliver"]["bounds"]["table_write_quota"] == pytest.approx(
        result["seconds"] / 2
    )


def test_lambda_concurrency_binds_slow_webhooks() -> None:
    slow = Assumptions(webhook_seconds=5.0, subscriber_webhooks_per_s=1e9)
    light = replace(MEASURED, delivery_wru=1.0, delivery_subscription_index_wru=0.1)
    result = model(light, assumptions=slow)
    assert result["bottleneck"] == "deliver: function_concurrency"
    more = model(light, Limits(lambda_concurrency=2_000), slow)
    assert more["seconds"] < result["seconds"]


def test_a_delivered_file_costs_the_table_its_one_record_not_a_record_per_line() -> None:
    batched = model(MEASURED, assumptions=Assumptions(batched_subscribers=31))
    assert Assumptions().changes_per_file == STREAM_BATCH_SIZE == 500
    assert batched["delivery_mode"] == (
        "0 single, 31 batched (batched: one record a delivered file, its size measured)"
    )
    files = 1_000_000 // 500
    bounds = batched["stages"]["deliver"]["bounds"]
    assert bounds["table_write_quota"] == pytest.approx(31 * files * 0.2 * 500 / 40_000)
    assert bounds["subscriber_index_partition"] == pytest.approx(files * 3.0 / 1_000)
    assert batched["seconds"] < model(MEASURED)["seconds"]
    assert batched["deliveries"] == 31 * files  # a file per subscriber and stream batch
    heavier = replace(MEASURED, batch_record_wru_per_line=2.0)
    assert seconds(heavier, batched_subscribers=31) >= batched["seconds"]


def test_a_batched_subscribers_files_go_one_after_another_in_its_message_group() -> None:
    every = Assumptions(batched_subscribers=31, webhook_seconds=0.5)
    result = model(MEASURED, assumptions=every)
    serial = 2_000 * (0.5 + (3.0 + 8) * 0.005)  # files × (webhook + record and counters)
    assert result["stages"]["deliver"]["bounds"]["one_group_per_batched_subscriber"] == (
        pytest.approx(serial)
    )
    assert result["bottleneck"] == "deliver: one_group_per_batched_subscriber"
    smaller = model(MEASURED, assumptions=replace(every, changes_per_file=100))
    assert smaller["stages"]["deliver"]["seconds"] == pytest.approx(5 * serial)


def test_one_subscriber_on_single_delivery_keeps_its_endpoint_binding() -> None:
    mixed = model(MEASURED, assumptions=Assumptions(batched_subscribers=30))
    assert mixed["delivery_mode"].startswith("1 single, 30 batched")
    assert mixed["bottleneck"] == "deliver: subscriber_endpoint"
    assert mixed["seconds"] == pytest.approx(1_000_000 / 200)
    assert mixed["deliveries"] == 1_000_000 + 30 * 2_000


def test_the_fifo_quota_binds_the_queue_stage() -> None:
    result = model(MEASURED)
    assert result["stages"]["queue"]["seconds"] == pytest.approx(31_000_000 / (2_400 * 10))
    assert model(MEASURED, Limits(sqs_fifo_calls_per_s=70_000))["stages"]["queue"][
        "seconds"
    ] == pytest.approx(31_000_000 / 700_000)


def test_every_limit_is_printed_with_its_source_and_every_assumption_with_its_value() -> None:
    result = model(MEASURED)
    assert all(source for _, source in result["limits"].values())
    assert result["assumptions"]["subscribers"] == 31
    assert result["measured"]["delivery_wru"] == 5.0


def test_ingest_divides_by_the_ranges_at_once_except_its_first_pass() -> None:
    assert Assumptions().ranges_at_once == INGEST_RANGES_AT_ONCE
    assert SIZES["IngestUploads"]["ReservedConcurrentExecutions"] == INGEST_RANGES_AT_ONCE
    slow = replace(MEASURED, ingest_cpu_seconds_per_entry=0.002)

    def ingest(ranges: int) -> float:
        stage = model(slow, assumptions=Assumptions(ranges_at_once=ranges))["stages"]["ingest"]
        return float(stage["bounds"]["function_cpu_and_round_trips"])

    serial = 2 * 1_000_000 * MEASURED.ingest_pass1_cpu_seconds_per_entry  # passes 1 and 3
    assert ingest(1) - serial == pytest.approx(16 * (ingest(16) - serial))
    assert ingest(1_000) > serial


def fan_out_seconds(measured: Measured, **assumed: Any) -> float:
    return float(
        model(measured, assumptions=Assumptions(**assumed))["stages"]["fan_out"]["bounds"][
            "functions_per_shard"
        ]
    )


def test_batched_subscribers_fan_out_at_the_cost_measured_with_them_not_the_single_runs() -> None:
    """With a fan-out measured for 31 batched subscriptions, every subscriber batched costs
    exactly that run per change; the single run (10 subscriptions, scaled) no longer counts —
    four times its CPU changes nothing — and twice the batched run's CPU shows."""
    batched = FanOutRun(31, 1.5, 2.4, 0.012)
    measured = replace(MEASURED, batched_fanout=batched)
    base = fan_out_seconds(measured, batched_subscribers=31)
    heavier_single = replace(measured, fanout_cpu_seconds_per_change=0.02)
    assert fan_out_seconds(heavier_single, batched_subscribers=31) == base
    heavier = replace(measured, batched_fanout=replace(batched, cpu_seconds_per_change=0.024))
    assert fan_out_seconds(heavier, batched_subscribers=31) > base * 1.5
    # without the batched run (an older report), the single run scaled to 31 stands for it
    # (less the single subscribers' queue sends)
    assert fan_out_seconds(MEASURED, batched_subscribers=31, request_seconds=0) == fan_out_seconds(
        MEASURED, request_seconds=0
    )


def test_a_fan_outs_round_trips_overlap_as_many_as_it_has_in_flight() -> None:
    one_at_a_time = fan_out_seconds(MEASURED, fanout_requests_in_flight=1)
    eight = fan_out_seconds(MEASURED, fanout_requests_in_flight=8)
    cpu_only = fan_out_seconds(MEASURED, fanout_requests_in_flight=10**12)
    assert cpu_only < eight < one_at_a_time
    assert one_at_a_time - cpu_only == pytest.approx((eight - cpu_only) * 8)
