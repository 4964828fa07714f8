"""A model of the national resync on AWS (issue 15): one province re-sends 1M entries, fanned
out to 31 subscriber provinces, until every subscriber holds every change.

Pure arithmetic over three inputs, each printed with the figure:

* ``Measured`` — per entry, per change and per delivery counts from the local stack (bench parts
  bulk, fanout, webhook): write units, requests, CPU seconds;
* ``Limits`` — documented AWS quotas, each with the page it comes from (``LIMIT_SOURCES``);
* ``Assumptions`` — everything else (round-trip times, a province endpoint's capacity, the
  delivery mode), stated as assumptions.

The stages run at once (ingest feeds the stream, fan-out feeds the queue, deliveries drain it),
so the whole takes as long as the slowest stage: the figure is that stage's time, a lower bound
(no ramp-up, no retries, no throttling back-off). Each stage's time is the largest of the
bounds that apply to it, and the report names the one that binds.

The ingest is pass 1 (verify the file, split it) in one invocation, then its line ranges in
``Assumptions.ranges_at_once`` invocations at once (``gateway.intake.bulk_ranges``).

Batched delivery (``gateway/delivery/batching.py``) is modelled as built: a subscriber that chose
it (``Assumptions.batched_subscribers``) gets one file per stream batch (``changes_per_file``,
the stream trigger's batch size, ``STREAM_BATCH_SIZE``) announced by one webhook; all its
messages share one FIFO message group, so its files go one after another; and a delivered
file is settled by ONE record holding its lines (``chalicelib/dynamodb/batch_records.py``),
not a record per line: its write units are the record's and its two index entries', measured
for a file of ``batch_record_lines`` lines (``bench/batch_record.py``) and taken per line; its
requests are the single path's per delivery plus one counter update per delivered-count item
(``counter_items_per_file``). A dead file still records each line (the failure path, which a
lower bound leaves out).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from gateway.statistics import DELIVERED_SHARDS
from infra.sizing import INGEST_RANGES_AT_ONCE
from infra.stream_failures import STREAM_BATCH_SIZE

LAMBDA_FULL_VCPU_MB = 1769
GB = 1024**3


@dataclass(frozen=True)
class FanOutRun:
    """A fan-out measured with ``subscriptions`` subscriptions, per change."""

    subscriptions: int
    wru_per_change: float
    ddb_requests_per_change: float
    cpu_seconds_per_change: float


@dataclass(frozen=True)
class Measured:
    """Counts measured on the local stack (see ``from_results``)."""

    ingest_wru_per_entry: float  # listings table and its index, new entries (bulk)
    ingest_requests_per_entry: float  # DynamoDB requests per entry (bulk: batched)
    ingest_cpu_seconds_per_entry: float  # the gateway's CPU (bench process) per entry
    ingest_pass1_cpu_seconds_per_entry: float  # of which pass 1 (verify, split): one invocation
    listing_item_bytes: float
    fanout_subscriptions: int  # the fan-out below was measured with this many subscriptions
    fanout_wru_per_change: float  # what the fan-out writes per change (the log), but pages
    fanout_ddb_requests_per_change: float  # its DynamoDB requests per change (one at a time)
    fanout_cpu_seconds_per_change: float
    log_steps_per_change: float  # serial sequencing steps (transactions on the log head)
    delivery_wru: float  # per delivery record: table and indexes
    page_wru_per_delivery: float  # the pages listing single deliveries (fan-out): per delivery
    delivery_subscription_index_wru: float  # of which on the index keyed by subscription
    delivery_requests: float  # DynamoDB requests per delivery
    batch_record_lines: int  # the delivered file the two below were measured for
    batch_record_wru_per_line: float  # its record (table) and index entries, per line
    batch_subscriber_partition_wru: float  # its ``by_batch_range`` entry (keyed by subscriber)
    batched_fanout: FanOutRun | None = None
    """The fan-out measured again with a batched subscription per province, all 31: what a
    batched subscriber's share of the fan-out costs, measured rather than scaled from the
    single run (``None``: a run without that part; the single run's figures, scaled)."""


@dataclass(frozen=True)
class Limits:
    """Documented quotas (defaults as documented; see ``LIMIT_SOURCES``)."""

    table_wcu_per_s: float = 40_000
    partition_wcu_per_s: float = 1_000
    partition_bytes: float = 10 * GB
    new_table_wcu_per_s: float = 4_000
    sqs_fifo_calls_per_s: float = 2_400
    sqs_batch: int = 10
    lambda_concurrency: int = 1_000
    parallelization_factor: int = 10


LIMIT_SOURCES = {
    "table_wcu_per_s": "DynamoDB on-demand table-level write throughput, account default quota "
    "(AWS docs: 'DynamoDB maximum throughput for on-demand tables'; 'Quotas in Amazon DynamoDB')",
    "partition_wcu_per_s": "1,000 write request units per second per partition (AWS docs: "
    "'Quotas in Amazon DynamoDB'; re:Post 'My on-demand Amazon DynamoDB table has throttling')",
    "partition_bytes": "a partition holds up to 10 GB (AWS docs: 'Partitions and data "
    "distribution in DynamoDB')",
    "new_table_wcu_per_s": "a new on-demand table serves up to 4,000 write request units at "
    "once, so it starts with at least 4 partitions (AWS docs: 'Initial throughput for on-demand "
    "capacity mode')",
    "sqs_fifo_calls_per_s": "SQS FIFO high-throughput mode, transactions per second per API "
    "action: up to 70,000 in N. Virginia, Oregon and Ireland, lower tiers elsewhere; China "
    "regions are not listed, so the lowest tier (2,400) is ASSUMED (AWS docs: 'Amazon SQS "
    "message quotas', 'High throughput for FIFO queues')",
    "sqs_batch": "10 messages per SendMessageBatch / ReceiveMessage / DeleteMessageBatch "
    "(AWS docs: 'Amazon SQS message quotas')",
    "lambda_concurrency": "1,000 concurrent executions per region, default (AWS docs: "
    "'Lambda quotas')",
    "parallelization_factor": "up to 10 concurrent batches per stream shard (AWS docs: 'Using "
    "AWS Lambda with Amazon DynamoDB', ParallelizationFactor)",
}


@dataclass(frozen=True)
class Assumptions:
    """What no quota says: each an ASSUMPTION, printed with the figure."""

    entries: int = 1_000_000
    subscribers: int = 31
    batched_subscribers: int = 0
    """How many subscribers chose batched NDJSON delivery; the others take one webhook per
    change."""
    changes_per_file: int = STREAM_BATCH_SIZE  # batched: a stream batch's (its BatchSize)
    counter_items_per_file: int = DELIVERED_SHARDS
    """A delivered file's counts, summed per counter item: one update each, at most the shards
    of delivered counts (``gateway/statistics/tallies.py``), on the batches table."""
    request_seconds: float = 0.005  # one DynamoDB / SQS round trip inside the region
    webhook_seconds: float = 0.05  # one webhook POST to a province and its answer
    subscriber_webhooks_per_s: float = 200.0  # what one province's endpoint accepts
    function_memory_mb: int = 1769  # CPU share: a full vCPU at 1,769 MB
    ranges_at_once: int = INGEST_RANGES_AT_ONCE
    """A large upload's line ranges ingested at once, one invocation each (the ingest function's
    reserved concurrency, infra/sizing.py); pass 1 before them runs in one invocation."""
    serial_file_passes: int = 2
    """Whole-file reads in one invocation: pass 1, and a resync's pass 3 reading the file again
    for the listings it holds (each costs what pass 1 does; its removals are the few absent)."""
    ingest_requests_in_flight: int = 8  # its writer threads (chalicelib/dynamodb/listings.py)
    groups_per_invocation: int = 10  # deliver: message groups worked on at once (batch of 10)
    log_step_seconds: float = 0.03  # one serial log step (read the head, write a transaction)
    fanout_requests_in_flight: int = 8
    """A fan-out's requests at once: its claims and chunk (``exchange_log._WRITERS``, 8), the
    subjects' reads (``listings._READERS``, 16), reservations and files (8 each): the least."""


@dataclass
class Stage:
    seconds: float
    binding: str
    bounds: dict[str, float] = field(default_factory=dict)


def _stage(**bounds: float) -> Stage:
    binding = max(bounds, key=lambda name: bounds[name])
    return Stage(bounds[binding], binding, bounds)


def model(
    measured: Measured, limits: Limits | None = None, assumptions: Assumptions | None = None
) -> dict[str, Any]:
    """Seconds until every subscriber holds every change, per stage and in all."""
    lim, a = limits or Limits(), assumptions or Assumptions()
    m = measured
    n, s = a.entries, a.subscribers
    batched = min(a.batched_subscribers, s)
    single, files = s - batched, math.ceil(n / a.changes_per_file)
    cpu_scale = LAMBDA_FULL_VCPU_MB / min(a.function_memory_mb, LAMBDA_FULL_VCPU_MB)

    ranged_cpu = m.ingest_cpu_seconds_per_entry - m.ingest_pass1_cpu_seconds_per_entry
    ingest = _stage(
        table_write_quota=n * m.ingest_wru_per_entry / lim.table_wcu_per_s,
        function_cpu_and_round_trips=n
        * m.ingest_pass1_cpu_seconds_per_entry
        * a.serial_file_passes
        * cpu_scale
        + n
        * (
            ranged_cpu * cpu_scale
            + m.ingest_requests_per_entry * a.request_seconds / a.ingest_requests_in_flight
        )
        / a.ranges_at_once,
    )
    # Stream shards follow the table's partitions: a new table's, more by size, and by the write
    # rate the ingest reaches (on-demand splits a partition that serves more than its share).
    write_rate = n * m.ingest_wru_per_entry / ingest.seconds
    shards = max(
        math.ceil(lim.new_table_wcu_per_s / lim.partition_wcu_per_s),
        math.ceil(n * m.listing_item_bytes / lim.partition_bytes),
        math.ceil(write_rate / lim.partition_wcu_per_s),
    )
    concurrency = min(shards * lim.parallelization_factor, lim.lambda_concurrency)
    runs = _fanout_runs(m, single, batched)
    sends = math.ceil(single / lim.sqs_batch)  # batched subscribers' changes go to files
    change_seconds = (
        sum(run.cpu_seconds_per_change * share for run, share in runs) * cpu_scale
        + (max(run.ddb_requests_per_change for run, _ in runs) + sends)
        * a.request_seconds
        / a.fanout_requests_in_flight
    )
    fanout = _stage(
        functions_per_shard=n * change_seconds / concurrency,
        serial_log=n * m.log_steps_per_change * a.log_step_seconds,
        table_write_quota=n
        * (max(run.wru_per_change for run, _ in runs) + single * m.page_wru_per_delivery)
        / lim.table_wcu_per_s,
    )
    deliveries = single * n + batched * files  # webhooks, and messages queued
    busiest = n if single else files  # webhooks one subscriber receives, at most
    queue = _stage(fifo_api_calls=deliveries / (lim.sqs_fifo_calls_per_s * lim.sqs_batch))
    delivery_seconds = a.webhook_seconds + m.delivery_requests * a.request_seconds
    # a file: its webhook, then its one record and its summed counters
    file_seconds = (
        a.webhook_seconds + (m.delivery_requests + a.counter_items_per_file) * a.request_seconds
    )
    file_wru = m.batch_record_wru_per_line * min(a.changes_per_file, n)
    serial = {"one_group_per_batched_subscriber": files * file_seconds} if batched else {}
    # one subscriber's entries: its single records' sharded index, or its files' range index
    partition_wru = max(
        n * m.delivery_subscription_index_wru if single else 0.0,
        files * m.batch_subscriber_partition_wru if batched else 0.0,
    )
    deliver = _stage(
        function_concurrency=(single * n * delivery_seconds + batched * files * file_seconds)
        / (lim.lambda_concurrency * a.groups_per_invocation),
        # a record per single delivery; one per delivered file, holding its lines
        table_write_quota=(single * n * m.delivery_wru + batched * files * file_wru)
        / lim.table_wcu_per_s,
        subscriber_index_partition=partition_wru / lim.partition_wcu_per_s,
        subscriber_endpoint=busiest / a.subscriber_webhooks_per_s,
        **serial,
    )
    stages = {"ingest": ingest, "fan_out": fanout, "queue": queue, "deliver": deliver}
    slowest = max(stages, key=lambda name: stages[name].seconds)
    return {
        "seconds": stages[slowest].seconds,
        "bottleneck": f"{slowest}: {stages[slowest].binding}",
        "stages": {name: asdict(stage) for name, stage in stages.items()},
        "deliveries": deliveries,
        "stream_shards": shards,
        "fan_out_concurrency": concurrency,
        "delivery_mode": f"{single} single, {batched} batched"
        + (" (batched: one record a delivered file, its size measured)" if batched else ""),
        "measured": asdict(m),
        "limits": {f.name: [getattr(lim, f.name), LIMIT_SOURCES[f.name]] for f in fields(lim)},
        "assumptions": asdict(a),
    }


def _fanout_runs(m: Measured, single: int, batched: int) -> list[tuple[FanOutRun, float]]:
    """The fan-out runs that stand for these subscribers, each with the share of its measured
    subscriptions they are: the single run scaled to the single subscribers (its planning and
    sends grow with them; its per-change reads and claims are scaled too, an overestimate), the
    batched run to the batched ones. With both, a change's reads and claims count twice: an
    overestimate again, for the mixed case the report does not show."""
    single_run = FanOutRun(
        m.fanout_subscriptions,
        m.fanout_wru_per_change,
        m.fanout_ddb_requests_per_change,
        m.fanout_cpu_seconds_per_change,
    )
    batched_run = m.batched_fanout or single_run
    runs = [(single_run, single / single_run.subscriptions)] if single else []
    if batched or not runs:
        runs.append((batched_run, batched / batched_run.subscriptions))
    return runs


def from_results(results: dict[str, Any]) -> Measured | None:
    """The counts from one bench run (parts bulk, fanout and webhook; fanout_batched where it
    ran), or None without them."""
    bulk, fan, hook = results.get("bulk"), results.get("fanout"), results.get("webhook")
    costs = results.get("costs") or {}
    if not (bulk and fan and hook and costs and "batch_record" in costs):
        return None
    big = bulk[max(bulk, key=int)]
    if "pass1_cpu_seconds" not in big:  # a run from before uploads were split
        return None
    t, entries, record = big["aws_totals"], big["entries"], costs["batch_record"]
    changes, single = fan["stream_records"] or 1, fanout_run(fan)
    batched = results.get("fanout_batched")
    steps = sum(
        c["calls"] for k, c in fan["fan_out_aws_calls"].items() if "TransactWriteItems" in k
    )
    return Measured(
        ingest_wru_per_entry=t.get("ddb_wru", 0) / entries + costs["wru_per_gsi_item"],
        ingest_requests_per_entry=(t.get("ddb_write_requests", 0) + t.get("ddb_read_requests", 0))
        / entries,
        ingest_cpu_seconds_per_entry=big["bench_cpu_seconds"] / entries,
        ingest_pass1_cpu_seconds_per_entry=big["pass1_cpu_seconds"] / entries,
        listing_item_bytes=costs["listing_item"]["item_bytes"],
        fanout_subscriptions=single.subscriptions,
        fanout_wru_per_change=single.wru_per_change,
        fanout_ddb_requests_per_change=single.ddb_requests_per_change,
        fanout_cpu_seconds_per_change=single.cpu_seconds_per_change,
        log_steps_per_change=steps / changes,
        delivery_wru=hook["delivery_record_wru_per_delivery"],
        page_wru_per_delivery=fan.get("page_wru_per_delivery", 0.0),
        delivery_subscription_index_wru=hook["delivery_record_subscriber_partition_wru"],
        delivery_requests=hook["delivery_record_requests_per_delivery"],
        batch_record_lines=record["lines"],
        batch_record_wru_per_line=record["wru_per_line"],
        batch_subscriber_partition_wru=record["index_wru"]["by_batch_range"],
        batched_fanout=fanout_run(batched) if batched else None,
    )


def fanout_run(fan: dict[str, Any]) -> FanOutRun:
    """Per change, from a fan-out part's result: its DynamoDB write units (less its pages',
    which the model counts per single delivery), its requests and the gateway's CPU."""
    changes = fan["stream_records"] or 1
    f = fan["fan_out_aws_totals"]
    return FanOutRun(
        subscriptions=fan["subscriptions"],
        wru_per_change=(f.get("ddb_wru", 0) - fan.get("page_table_wru", 0)) / changes,
        ddb_requests_per_change=sum(
            f.get(kind, 0)
            for kind in ("ddb_write_requests", "ddb_read_requests", "ddb_query_scan_requests")
        )
        / changes,
        cpu_seconds_per_change=fan["fan_out_bench_cpu_seconds"] / changes,
    )
