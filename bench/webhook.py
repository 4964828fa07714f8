"""Push → webhook latency on the local stack (issue 15, point 5): how long a city's push takes
to reach a subscriber's webhook, one change at a time, with the event pump in the background
as ``gateway dev`` runs it. moto runs in a process of its own (``bench.stack.MotoProcess``).

    python -m bench.webhook SAMPLES OUT.json

Each sample is one push of one new entry, timed from the request until the subscriber's
receiver (``infra.local.receiver.Receiver``) has verified the delivery; the next push starts
after it arrived and a pause of 0.3–0.6 s (random, seeded), so each push meets an idle pump at
no particular moment of its cycle, as an isolated push does. Two warm-up pushes first
(imports, caches, the first stream shard). Median and 90th percentile, and the push reply's
own time, so the report shows what the pump adds beyond the request itself.

Then five more pushes with the gateway's AWS calls counted (the counting stays out of the
timings): the requests per push (push, fan-out and delivery together: locally moto's cost per
request is most of the time left), and what each delivery writes to the deliveries table (its
record) and its indexes (``bench.indexes``): the write units per delivery record. An update is
billed by the size of the whole item (the larger of before and after), which the request does
not show, so each counted write is priced at the size of the records stored at the end.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from bench import fixtures
from bench.common import CITY, AwsCounter, item_size, wru
from bench.indexes import IndexCounter, projected
from bench.stack import ExternalStack, MotoProcess
from chalicelib.bootstrap import container
from chalicelib.dynamodb.delivery_items import SHARDS
from gateway_client.push_client import PushClient
from gateway_client.receiver import fetch_gateway_keys
from infra.local import synthetic
from infra.local.receiver import Receiver

SUBSCRIBER = "440000"
WARM_UP = 2
ARRIVAL_TIMEOUT_SECONDS = 30.0
COUNTED = 5  # pushes counted after the timed ones
IDLE_SECONDS = (0.3, 0.6)  # the pause before each timed push
RECORDS = "deliveries"  # the delivery log's table, as AwsCounter names it
WRITES = {"dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.BatchWriteItem"}
PAGES = "dynamodb.BatchWriteItem"  # only the pages are written so to the deliveries table


@dataclass
class _TimedReceiver(Receiver):
    """A receiver that notes when each verified delivery arrived."""

    arrivals: list[float] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def accept(self, headers: dict[str, str], body: bytes) -> int:
        status = super().accept(headers, body)
        if status == 204:
            self.arrivals.append(time.perf_counter())
            self.arrived.set()
        return status


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(samples: int) -> dict[str, Any]:
    moto = MotoProcess()
    stack = ExternalStack(moto_endpoint=moto.endpoint)
    receiver = _TimedReceiver("bench", public_keys=[])
    try:
        stack.start()
        stack.run_pump_in_background()
        client = stack.source_client()
        stack.register_regions({SUBSCRIBER: fixtures.SUBSCRIBER_NAMES[SUBSCRIBER]})
        receiver.public_keys = list(fetch_gateway_keys(stack.url))
        receiver.start()
        headers = {"authorization": f"Bearer {stack.operator_token}"}
        receiver.subscribe(stack.url, {"region": SUBSCRIBER, "signature_scheme": "v1a"}, headers)
        pauses = random.Random(15)  # noqa: S311 - a pause, not a secret
        timed = []
        for i in range(WARM_UP + samples):
            time.sleep(pauses.uniform(*IDLE_SECONDS))
            timed.append(_push(client, receiver, i))
        timed = timed[WARM_UP:]
        latencies, replies = [t[0] for t in timed], [t[1] for t in timed]
        # Then a few more pushes with the calls counted (the counters' own work stays out of
        # the timings above).
        _settle(stack)
        counter = AwsCounter().attach(container().aws_clients)
        index_counter = IndexCounter(stored=_reader(stack)).attach(container().aws_clients)
        first = WARM_UP + samples
        for i in range(first, first + COUNTED):
            _push(client, receiver, i)
        _settle(stack)  # the last delivery's outcome is written after its webhook answered
        calls = counter.snapshot()
        records = {k: v for k, v in calls.items() if k.endswith(f"[{RECORDS}]")}
        return {
            "samples": samples,
            "push_to_webhook_ms": [round(ms, 2) for ms in latencies],
            "median_ms": statistics.median(latencies),
            "p90_ms": _percentile(latencies, 0.9),
            "min_ms": min(latencies),
            "max_ms": max(latencies),
            "push_reply_median_ms": statistics.median(replies),
            "counted_pushes": COUNTED,
            "aws_requests_per_push": {k: c["calls"] / COUNTED for k, c in calls.items()},
            "delivery_record_calls": records,
            **_record_costs(stack, records, index_counter, COUNTED),
        }
    finally:
        receiver.stop()
        stack.stop()
        moto.stop()


def _push(client: PushClient, receiver: _TimedReceiver, i: int) -> tuple[float, float]:
    """Push entry ``i`` alone and wait for its webhook: (push → webhook, push reply) in ms."""
    receiver.arrived.clear()
    started = time.perf_counter()
    reply = client.push([synthetic.entry(CITY, i)], datetime.now(UTC))
    replied = time.perf_counter()
    if reply.status >= 300:
        raise RuntimeError(f"push refused: {reply.status} {reply.body}")
    if not receiver.arrived.wait(ARRIVAL_TIMEOUT_SECONDS):
        raise RuntimeError(f"push {i} not delivered in {ARRIVAL_TIMEOUT_SECONDS} s")
    return (receiver.arrivals[-1] - started) * 1000, (replied - started) * 1000


def _reader(stack: ExternalStack) -> Callable[[str, dict[str, Any]], dict[str, Any] | None]:
    """Items as stored, read with a client nobody counts (what an update finds)."""
    uncounted = boto3.session.Session().client("dynamodb", endpoint_url=stack.moto_endpoint)

    def stored(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return uncounted.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

    return stored


def _record_costs(
    stack: ExternalStack, records: dict[str, Any], indexes: IndexCounter, deliveries: int
) -> dict[str, Any]:
    """Write units per delivery: each counted write to the record (and to each index it
    touched) priced at the mean size of the records as stored (read with a client nobody
    counts); apart, the pages that list the deliveries a queueing sent
    (``chalicelib.dynamodb.delivery_pages``: put, where a record is updated)."""
    uncounted = boto3.session.Session().client("dynamodb", endpoint_url=stack.moto_endpoint)
    table = container().settings.deliveries_table
    everything = uncounted.scan(TableName=table)["Items"]
    items = [x for x in everything if "planned" not in x]
    pages = [x for x in everything if "planned" in x]
    writes = sum(c["items"] for k, c in records.items() if k.split("[")[0] in WRITES - {PAGES})
    page_writes = sum(c["items"] for k, c in records.items() if k.split("[")[0] == PAGES)
    per_index, by_subscriber, page_index = {}, 0.0, 0.0
    for index in indexes.tables.get(RECORDS, []):
        held = [h for h in (projected(index, item) for item in items) if h is not None]
        size = statistics.mean(item_size(h) for h in held) if held else 0.0
        key = (RECORDS, index.name)
        per_index[index.name] = (
            (indexes.writes[key] - indexes.puts[key]) / deliveries * wru(round(size))
        )
        if index.partition_key == "subscription_id":  # one partition per subscriber
            by_subscriber += per_index[index.name]
        elif index.partition_key == "subscription_shard":  # SHARDS partitions per subscriber
            by_subscriber += per_index[index.name] / SHARDS
        held = [h for h in (projected(index, item) for item in pages) if h is not None]
        size = statistics.mean(item_size(h) for h in held) if held else 0.0
        page_index += indexes.puts[key] / deliveries * wru(round(size))
    record_bytes = statistics.mean(item_size(item) for item in items)
    table_wru = writes / deliveries * wru(round(record_bytes))
    page_bytes = statistics.mean(item_size(item) for item in pages) if pages else 0.0
    return {
        "delivery_record_bytes_mean": record_bytes,
        "delivery_record_writes_per_delivery": writes / deliveries,
        "delivery_record_table_wru_per_delivery": table_wru,
        "delivery_record_index_wru_per_delivery": per_index,
        "delivery_record_wru_per_delivery": table_wru + sum(per_index.values()),
        "delivery_record_subscriber_partition_wru": by_subscriber,
        "delivery_record_requests_per_delivery": sum(
            c["calls"] for k, c in records.items() if k.split("[")[0] != PAGES
        )
        / deliveries,
        "delivery_page_bytes_mean": page_bytes,
        "delivery_page_wru_per_delivery": page_writes / deliveries * wru(round(page_bytes))
        + page_index,
    }


def _settle(stack: ExternalStack, timeout: float = ARRIVAL_TIMEOUT_SECONDS) -> None:
    """Wait until the background pump has finished every delivery batch it took."""
    assert stack.pump is not None
    deadline = time.monotonic() + timeout
    while stack.pump.pending_in_queue() and time.monotonic() < deadline:
        time.sleep(0.01)


def main() -> None:
    samples, out = int(sys.argv[1]), sys.argv[2]
    result = run(samples)
    Path(out).write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
