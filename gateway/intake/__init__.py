"""Signed pushes and uploads in: authentication, validation, ownership, dedup, writes."""

from gateway.intake.bulk import (
    DEFAULT_REMOVAL_THRESHOLD,
    MAX_CHECK_LINES,
    MISMATCH,
    LineError,
    Upload,
    UploadManifest,
    UploadStatus,
    line_error,
    line_errors,
    parse_line,
    stamp,
    with_errors,
)
from gateway.intake.bulk_ingest import BulkIngest
from gateway.intake.bulk_ranges import (
    RANGE_LINES,
    RangeCheck,
    RangeState,
    upload_level,
    with_ranges,
)
from gateway.intake.bulk_terms import BulkPolicy
from gateway.intake.dedup import plan
from gateway.intake.file_check import Held
from gateway.intake.ingest import PushPolicy, PushService
from gateway.intake.push import BATCH_ID_RE, MAX_ENTRIES, PushEnvelope, PushResult, validate_entries
from gateway.intake.uploads import UploadDesk, UploadIdReused
from gateway.promotion import promote

__all__ = [
    "BATCH_ID_RE",
    "DEFAULT_REMOVAL_THRESHOLD",
    "MAX_CHECK_LINES",
    "MAX_ENTRIES",
    "MISMATCH",
    "RANGE_LINES",
    "BulkIngest",
    "BulkPolicy",
    "Held",
    "LineError",
    "PushEnvelope",
    "PushPolicy",
    "PushResult",
    "PushService",
    "RangeCheck",
    "RangeState",
    "Upload",
    "UploadDesk",
    "UploadIdReused",
    "UploadManifest",
    "UploadStatus",
    "line_error",
    "line_errors",
    "parse_line",
    "plan",
    "promote",
    "stamp",
    "upload_level",
    "validate_entries",
    "with_errors",
    "with_ranges",
]
