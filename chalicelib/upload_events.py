"""Lambda event handler: upload queue → bulk ingest (``gateway.intake.bulk_ingest``).

It ``note``s what its batch did for the one closing log line (``chalicelib.observability``)
and emits the ingest's lines and rate.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.bootstrap import container
from chalicelib.observability import emit, logger, note
from chalicelib.upload_queue import range_in, uploads_in


def ingest_uploads(records: Sequence[dict[str, Any]], context: Any) -> None:
    """Ingest the uploads S3 announces (or that an earlier invocation left half done).

    With under two minutes of Lambda time left, the ingest stops at a checkpoint and queues a
    continuation for itself; any failure raises, so SQS delivers the message again and the
    ingest resumes from its last checkpoint.
    """
    c = container()
    for record in records:
        part = range_in(record["body"])
        if part is not None:
            _ingest_range(*part, context)
        for region, upload_id, version_id in uploads_in(record["body"]):
            held = c.uploads.get(region, upload_id)
            started = time.perf_counter()
            upload = c.bulk_ingest.process(
                region, upload_id, version_id, lambda: _running_out(context)
            )
            if upload is None:
                logger.warning("an uploaded object has no manifest: %s/%s", region, upload_id)
                continue
            note(region=region, upload_id=upload_id, status=upload.status.value, line=upload.line)
            if upload.ranges > 1:  # its ranges carry it on
                continue
            done = max(0, upload.line - (held.line if held else 0))
            _emit_ingest(done, time.perf_counter() - started)
            if not upload.finished:
                c.upload_queue.continue_later(region, upload_id)


def _ingest_range(region: str, upload_id: str, index: int, context: Any) -> None:
    """One range of a split upload; queued again if time ran out before its end."""
    c = container()
    started = time.perf_counter()
    run = c.bulk_ingest.process_range(region, upload_id, index, lambda: _running_out(context))
    if run is None:
        return
    _emit_ingest(run.after.lines - run.before.lines, time.perf_counter() - started)
    note(region=region, upload_id=upload_id, range=index, done=run.after.done)
    if not run.after.done:
        c.upload_queue.ingest_ranges(region, upload_id, [index])
    elif run.closing:  # the upload's own step, once the run holding the upload is done
        c.upload_queue.ingest_ranges(region, upload_id, [index], _CLOSING_AGAIN_SECONDS)


def _emit_ingest(lines: int, seconds: float) -> None:
    emit({"IngestLines": lines})
    emit({"IngestRate": lines / seconds if seconds > 0 else 0.0}, MetricUnit.CountPerSecond)


def _running_out(context: Any) -> bool:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining is not None and remaining() < _SAFETY_MARGIN_MS


_SAFETY_MARGIN_MS = 120_000
_CLOSING_AGAIN_SECONDS = 60
"""A range whose upload another run held tries the upload's step again this much later: not at
once, which would spin while a crashed run's lease runs out (the holder usually finishes it)."""
