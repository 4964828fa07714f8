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
)
from gateway.checks.bulk import RESULTS_PREFIX, BulkCheck
from gateway.checks.report import (
    CheckReportContent,
    LogPosition,
    SignedCheckReport,
    issue_report,
)

__all__ = [
    "MAX_CODES",
    "RESULTS_PREFIX",
    "BulkCheck",
    "CheckOutcome",
    "CheckReportContent",
    "CheckRequest",
    "CheckResult",
    "CheckSummary",
    "Checked",
    "CodeError",
    "LogPosition",
    "SignedCheckReport",
    "check",
    "issue_report",
]
