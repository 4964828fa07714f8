"""A listing's life after intake: removals, objections, repair, expiry, retention, deadlines."""

from gateway.lifecycle.acting import NationNotGiven, NotARecipient
from gateway.lifecycle.commitments import breach_kept, unsettles
from gateway.lifecycle.corrections import CommitmentSettled
from gateway.lifecycle.due import Budget, DueDates, late_on
from gateway.lifecycle.freshness import (
    FUTURE_DATE,
    FUTURE_VERSION,
    PERIOD_ENDED,
    FutureVersion,
    PeriodEnded,
    entry_problems,
    retention_problem,
    version_problem,
)
from gateway.lifecycle.history_reading import former_owners, rehomed
from gateway.lifecycle.history_room import HistoryFull
from gateway.lifecycle.in_force import as_on
from gateway.lifecycle.objection_policies import shipped_policies
from gateway.lifecycle.objection_steps import (
    DecidedRecently,
    ObjectionDecided,
    ObjectionVerified,
    PeriodLengthened,
    PeriodRestarted,
)
from gateway.lifecycle.objection_timeline import late_after, period_end
from gateway.lifecycle.overdue_lists import OverdueLists
from gateway.lifecycle.performance_correction import days_corrected
from gateway.lifecycle.reassignment import HeldAlready, PurgeUnderWay
from gateway.lifecycle.removal_grounds import dates_problem, reason_problem
from gateway.lifecycle.requests import (
    ObjectionDecision,
    ObjectionFiling,
    PerformanceCorrection,
    Reassignment,
    Removal,
    RemovalReason,
    RepairRequest,
    VerificationReport,
    validate_removals,
)
from gateway.lifecycle.retention import (
    EVIDENCE_DAYS,
    RETENTION_YEARS,
    may_be_purged,
    named_before,
)
from gateway.lifecycle.rules import (
    STANDING,
    NotInForce,
    NotRepairable,
    ObjectionOpen,
    RepairTooEarly,
    StaleAction,
    content_version,
    next_version,
    remove,
    removed_status,
)
from gateway.lifecycle.service import LifecycleService, ListingChanged, ObjectionIdReused
from gateway.lifecycle.suspension import checked_status
from gateway.lifecycle.tick import PAGE as INDEX_PAGE
from gateway.lifecycle.tick import TickReport
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway_client.contract import moved_from

__all__ = [
    "EVIDENCE_DAYS",
    "FUTURE_DATE",
    "FUTURE_VERSION",
    "INDEX_PAGE",
    "PERIOD_ENDED",
    "RETENTION_YEARS",
    "STANDING",
    "Budget",
    "CommitmentSettled",
    "DecidedRecently",
    "DueDates",
    "FutureVersion",
    "HeldAlready",
    "HistoryFull",
    "LifecycleService",
    "ListingChanged",
    "NationNotGiven",
    "NotARecipient",
    "NotInForce",
    "NotRepairable",
    "ObjectionDecided",
    "ObjectionDecision",
    "ObjectionFiling",
    "ObjectionIdReused",
    "ObjectionOpen",
    "ObjectionVerified",
    "OverdueLists",
    "PerformanceCorrection",
    "PeriodEnded",
    "PeriodLengthened",
    "PeriodRestarted",
    "PurgeUnderWay",
    "Reassignment",
    "Removal",
    "RemovalReason",
    "RepairRequest",
    "RepairTooEarly",
    "StaleAction",
    "TickReport",
    "VerificationReport",
    "WorkdayCalendar",
    "as_on",
    "breach_kept",
    "checked_status",
    "content_version",
    "dates_problem",
    "days_corrected",
    "entry_problems",
    "former_owners",
    "late_after",
    "late_on",
    "may_be_purged",
    "moved_from",
    "named_before",
    "next_version",
    "period_end",
    "reason_problem",
    "rehomed",
    "remove",
    "removed_status",
    "retention_problem",
    "shipped_policies",
    "unsettles",
    "validate_removals",
    "version_problem",
]
