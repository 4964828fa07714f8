"""What a bulk ingest run is set with and what it answers: its policy, the conflict a duplicate
notice meets, and what one invocation did to a range (``gateway.intake.bulk_ingest``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gateway.intake.bulk import DEFAULT_REMOVAL_THRESHOLD
from gateway.intake.bulk_ranges import RANGE_LINES, RangeState
from gateway.lifecycle import RETENTION_YEARS
from gateway_client.contract import DEFAULT_TOLERANCE, Conflict


@dataclass(frozen=True)
class BulkPolicy:
    removal_threshold: float = DEFAULT_REMOVAL_THRESHOLD
    lease: timedelta = timedelta(minutes=16)  # past Lambda's 15-minute limit
    tolerance: timedelta = DEFAULT_TOLERANCE  # clock skew allowed to a line's version
    retention_years: int = RETENTION_YEARS  # a person's commitment settled before: refused
    range_lines: int = RANGE_LINES  # entries a range holds, when there is a queue to split by


class UploadBusy(Conflict):
    """S3 and SQS deliver at least once: a duplicate notification finds the upload held by
    the run it duplicates, and is retried after that run is done."""

    code = "upload_busy"
    default_path = "upload_id"


@dataclass(frozen=True)
class RangeRun:
    """What one invocation did to a range: before and after (``after.done`` or not), and
    whether the upload's own step after it is still to run (another run held the upload)."""

    before: RangeState
    after: RangeState
    closing: bool = False
