"""What the stack parts share (``bench.stack_parts``, ``bench.scale``): a fresh local stack with
moto in a process of its own, one bulk upload through it measured (time, CPU on both sides, RSS
sampled), pass 1 of that upload alone, and the run's peaks once it is done."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import (
    CITY,
    AwsCounter,
    RssSampler,
    cpu_seconds,
    env_float,
    peak_rss_mb,
    rss_mb,
    ru_maxrss_mb,
)
from bench.stack import ExternalStack, MotoProcess
from chalicelib.bootstrap import container
from gateway.intake import RANGE_LINES, RangeCheck
from gateway_client.uploader import BulkUploader, describe
from infra.local import synthetic


def start_stack() -> tuple[MotoProcess, ExternalStack]:
    moto = MotoProcess(latency_ms=env_float("BENCH_STACK_LATENCY_MS", 0.0))
    try:
        return moto, ExternalStack(moto_endpoint=moto.endpoint).start()
    except BaseException:
        moto.stop()
        raise


def ndjson(directory: Path, size: int) -> Path:
    return synthetic.write_ndjson(
        directory / f"entries-{size}.ndjson", synthetic.entries(CITY, range(size))
    )


def bulk_upload(
    stack: ExternalStack,
    uploader: BulkUploader,
    path: Path,
    counter: AwsCounter,
    moto: MotoProcess,
) -> dict[str, Any]:
    """Request → PUT → the upload-queue handler via the pump until the upload is completed.

    The listings stream is not read (no fan-out) here.
    """
    assert stack.pump is not None
    source = stack.upload_source()
    started = time.perf_counter()
    facts = describe(path)
    described = time.perf_counter()
    rss_before = rss_mb()
    cpu_before, moto_cpu_before = cpu_seconds(), moto.cpu_seconds()
    with RssSampler() as sampler:
        t0 = time.perf_counter()
        asked = uploader.request(facts)
        if asked.status != 201:
            raise RuntimeError(f"upload request refused: {asked.status} {asked.body}")
        t1 = time.perf_counter()
        status = uploader.put(asked.body["put"], path)
        if status != 200:
            raise RuntimeError(f"PUT answered {status}")
        t2 = time.perf_counter()
        upload_id = asked.body["upload"]["manifest"]["upload_id"]
        handler_seconds = 0.0
        polls = 0
        while True:
            polled = time.perf_counter()
            handled = stack.pump.poll_queue(source)
            handler_seconds += time.perf_counter() - polled
            polls += handled
            counter.enabled = False  # the bench's own status check is not the gateway's cost
            upload = container().uploads.get(CITY, upload_id)
            counter.enabled = True
            if upload is not None and upload.finished:
                break
            if not handled:
                time.sleep(0.01)
        t3 = time.perf_counter()
    cpu_after, moto_cpu_after = cpu_seconds(), moto.cpu_seconds()
    total = t3 - t0
    return {
        "entries": facts.count,
        "file_bytes": facts.size,
        "status": upload.status.value,
        "lines": upload.lines,
        "accepted": upload.accepted,
        "duplicate": upload.duplicate,
        "rejected": upload.rejected,
        "describe_seconds": described - started,
        "request_seconds": t1 - t0,
        "put_seconds": t2 - t1,
        "ingest_seconds": t3 - t2,
        "handler_seconds": handler_seconds,
        "queue_messages_handled": polls,
        "request_to_completed_seconds": total,
        "entries_per_s": facts.count / total,
        "bench_cpu_seconds": cpu_after - cpu_before,
        "moto_cpu_seconds": moto_cpu_after - moto_cpu_before,
        "rss_before_mb": rss_before,
        "rss_sampled_peak_mb": sampler.peak,
        "rss_curve_mb": sampler.at_fractions(5),
    }


def pass1_cpu_seconds(path: Path) -> float:
    """Pass 1 of the upload again, alone (digest, count, identities, where its ranges start):
    the part of an ingest that one invocation does before the ranges run at once
    (``gateway.intake.bulk_ranges``; bench/aws_model.py keeps it serial)."""
    before = cpu_seconds()
    check = RangeCheck(RANGE_LINES, CITY)
    with path.open("rb") as file:
        check.run(iter(lambda: file.read(1 << 20), b""))
    check.ranges(path.stat().st_size)
    return cpu_seconds() - before


def finish(result: dict[str, Any], moto: MotoProcess) -> dict[str, Any]:
    result.update(
        {
            "peak_rss_mb": peak_rss_mb(),
            "ru_maxrss_mb": ru_maxrss_mb(),
            "moto_peak_rss_mb": moto.peak_rss_mb(),
        }
    )
    return result
