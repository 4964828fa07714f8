"""Checks: batch one-stop queries (应查必查) and the signed reports a department files."""

from gateway.checks.batch import (
    MAX_CODES,
    Checked,
    CheckOutcome,
    CheckRequest,
    CheckResult,
    CheckSummary,
    CodeError,
    check,
    compacted,
)
from gateway.checks.bulk import RESULTS_KEPT, RESULTS_PREFIX, BulkCheck
from gateway.checks.named import Named, NamedReader, named_reader
from gateway.checks.report import (
    BulkCheckReportContent,
    CheckReportContent,
    LogPosition,
    ReportSigning,
    SignedBulkCheckReport,
    SignedCheckReport,
    issue_report,
    log_position,
    openings,
)

__all__ = [
    "MAX_CODES",
    "RESULTS_KEPT",
    "RESULTS_PREFIX",
    "BulkCheck",
    "BulkCheckReportContent",
    "CheckOutcome",
    "CheckReportContent",
    "CheckRequest",
    "CheckResult",
    "CheckSummary",
    "Checked",
    "CodeError",
    "LogPosition",
    "Named",
    "NamedReader",
    "ReportSigning",
    "SignedBulkCheckReport",
    "SignedCheckReport",
    "check",
    "compacted",
    "issue_report",
    "log_position",
    "named_reader",
    "openings",
]
