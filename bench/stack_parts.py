"""Parts 2–4: bulk uploads, the naive baseline and fan-out, through the local stack with moto in a
process of its own. Each run is meant to be a fresh process (``bench.run`` starts one per part
and size), so its peak RSS is that run's alone:

    python -m bench.stack_parts bulk SIZE OUT.json
    python -m bench.stack_parts naive SIZE OUT.json
    python -m bench.stack_parts fanout SIZE OUT.json
    python -m bench.stack_parts fanout31+batched SIZE OUT.json
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import fixtures
from bench.common import CITY, PROVINCES, SUBSCRIBER_REGIONS, AwsCounter, cpu_seconds, totals
from bench.stack import ExternalStack
from bench.stack_upload import bulk_upload, finish, ndjson, pass1_cpu_seconds, start_stack
from chalicelib.bootstrap import container
from gateway.intake import parse_line, promote
from gateway_client.contract import china_date, lines_of


def run_bulk(size: int, resend: bool = False) -> dict[str, Any]:
    """One upload of ``size`` new entries; with ``resend``, the same file again afterwards
    (every line a duplicate: dedup reads only)."""
    moto, stack = start_stack()
    try:
        counter = AwsCounter().attach(container().aws_clients)
        uploader = stack.source_uploader()
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            path = ndjson(Path(tmp), size)
            counter.reset()
            result = bulk_upload(stack, uploader, path, counter, moto)
            calls = counter.snapshot()
            result.update({"aws_calls": calls, "aws_totals": totals(calls)})
            result["pass1_cpu_seconds"] = pass1_cpu_seconds(path)
            if resend:
                counter.reset()
                again = bulk_upload(stack, uploader, path, counter, moto)
                calls = counter.snapshot()
                again.update({"aws_calls": calls, "aws_totals": totals(calls)})
                result["resend"] = again
        return finish(result, moto)
    finally:
        stack.stop()
        moto.stop()


def run_naive(size: int) -> dict[str, Any]:
    """The same entries, each parsed, validated and promoted like a bulk line, then written with
    one PutItem, sequentially: no batching, no dedup reads, no S3, no manifest."""
    moto, stack = start_stack()
    try:
        c = container()
        counter = AwsCounter().attach(c.aws_clients)
        client = c.aws_clients["dynamodb"]
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            path = ndjson(Path(tmp), size)
            counter.reset()
            now = datetime.now(UTC)
            written = 0
            cpu_before, moto_cpu_before = cpu_seconds(), moto.cpu_seconds()
            t0 = time.perf_counter()
            for line in lines_of(_chunks(path)):
                entry = parse_line(line, china_date(now))
                if isinstance(entry, list):
                    continue
                listing = promote(entry, CITY, now)
                if listing is None:
                    continue
                # The request exactly as the gateway creates a listing (DynamoListings._create).
                client.put_item(**c.listings._create(listing, CITY))
                written += 1
            seconds = time.perf_counter() - t0
            cpu_after, moto_cpu_after = cpu_seconds(), moto.cpu_seconds()
        calls = counter.snapshot()
        return finish(
            {
                "entries": size,
                "written": written,
                "seconds": seconds,
                "entries_per_s": written / seconds,
                "bench_cpu_seconds": cpu_after - cpu_before,
                "moto_cpu_seconds": moto_cpu_after - moto_cpu_before,
                "aws_calls": calls,
                "aws_totals": totals(calls),
            },
            moto,
        )
    finally:
        stack.stop()
        moto.stop()


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            yield chunk


def run_fanout(size: int, mode: str = "single", regions: tuple[str, ...] = ()) -> dict[str, Any]:
    """A subscription per region (the ten of ``fixtures`` unless ``regions`` are given; ``mode``:
    their delivery mode) and 2 agreements; a bulk upload of ``size`` entries; then the listings
    stream drained through ``app.fan_out_changes`` (deliveries are queued, and batched files
    written, not delivered)."""
    moto, stack = start_stack()
    try:
        c = container()
        counter = AwsCounter().attach(c.aws_clients)
        uploader = stack.source_uploader()
        stack.register_regions(fixtures.PROVINCE_NAMES if regions else fixtures.SUBSCRIBER_NAMES)
        for body in fixtures.agreement_bodies():
            stack.operator("POST", "/v1/agreements", body)
        subscriptions = [
            stack.operator("POST", "/v1/subscriptions", {**body, "delivery_mode": mode})
            for body in fixtures.subscription_bodies(regions=regions or SUBSCRIBER_REGIONS)
        ]
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            path = ndjson(Path(tmp), size)
            counter.reset()
            upload = bulk_upload(stack, uploader, path, counter, moto)
        ingest_calls = counter.snapshot()
        assert stack.pump is not None
        counter.reset()
        records = handler_runs = 0
        cpu_before, moto_cpu_before = cpu_seconds(), moto.cpu_seconds()
        t0 = time.perf_counter()
        idle = 0
        while idle < 2:
            handled = stack.pump.poll_stream()
            records += handled
            handler_runs += handled > 0
            idle = 0 if handled else idle + 1
        seconds = time.perf_counter() - t0
        cpu_after, moto_cpu_after = cpu_seconds(), moto.cpu_seconds()
        fanout_calls = counter.snapshot()
        queued = _queued(stack)
        pages = fanout_calls.get(PAGES, {})
        return finish(
            {
                "entries": size,
                "subscriptions": len(subscriptions),
                "agreements": len(fixtures.agreement_bodies()),
                "upload": upload,
                "ingest_aws_calls": ingest_calls,
                "ingest_aws_totals": totals(ingest_calls),
                "stream_records": records,
                "fan_out_invocations": handler_runs,
                "fan_out_seconds": seconds,
                "fan_out_bench_cpu_seconds": cpu_after - cpu_before,
                "fan_out_moto_cpu_seconds": moto_cpu_after - moto_cpu_before,
                "fan_out_aws_calls": fanout_calls,
                "fan_out_aws_totals": totals(fanout_calls),
                "delivery_queue_messages": queued,
                # the pages listing the single deliveries queued (each one index entry)
                "page_items": pages.get("items", 0),
                "page_table_wru": pages.get("wru", 0),
                "page_wru_per_delivery": (pages.get("wru", 0) + pages.get("items", 0))
                / (queued or 1),
            },
            moto,
        )
    finally:
        stack.stop()
        moto.stop()


def _queued(stack: ExternalStack) -> int:
    """Messages waiting in the delivery queue (read with a client the counter does not see)."""
    import boto3

    sqs = boto3.session.Session().client("sqs", endpoint_url=stack.moto_endpoint)
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.env["CG_DELIVERY_QUEUE_URL"],
        AttributeNames=["ApproximateNumberOfMessages"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


PAGES = "dynamodb.BatchWriteItem[deliveries]"  # ``chalicelib.dynamodb.delivery_pages``


def run_fanout_provinces_batched(size: int) -> dict[str, Any]:
    """The fan-out with the AWS model's subscribers: the 31 provinces, each on batched
    delivery (湖南 among them, as in the model: every province holds every change)."""
    return run_fanout(size, "batched", PROVINCES)


PARTS = {
    "bulk": run_bulk,
    "naive": run_naive,
    "fanout": run_fanout,
    "fanout31+batched": run_fanout_provinces_batched,
}


def main() -> None:
    part, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    result = run_bulk(size, resend=True) if part == "bulk+resend" else PARTS[part](size)
    Path(out).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
