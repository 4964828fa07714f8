"""A listing's life after intake: removals, objections, repair, expiry, retention, deadlines."""

from gateway.lifecycle.freshness import (
    FUTURE_VERSION,
    FutureVersion,
    entry_problems,
    version_problem,
)
from gateway.lifecycle.objection_policies import shipped_policies
from gateway.lifecycle.objection_steps import DecidedRecently
from gateway.lifecycle.requests import (
    ObjectionDecision,
    ObjectionFiling,
    Removal,
    RemovalReason,
    RepairRequest,
    VerificationReport,
    validate_removals,
)
from gateway.lifecycle.retention import EVIDENCE_DAYS, RETENTION_YEARS
from gateway.lifecycle.rules import NotInForce, ObjectionOpen, RepairTooEarly, remove
from gateway.lifecycle.service import LifecycleService, ListingChanged, NotARecipient
from gateway.lifecycle.workdays import WorkdayCalendar

__all__ = [
    "EVIDENCE_DAYS",
    "FUTURE_VERSION",
    "RETENTION_YEARS",
    "DecidedRecently",
    "FutureVersion",
    "LifecycleService",
    "ListingChanged",
    "NotARecipient",
    "NotInForce",
    "ObjectionDecision",
    "ObjectionFiling",
    "ObjectionOpen",
    "Removal",
    "RemovalReason",
    "RepairRequest",
    "RepairTooEarly",
    "VerificationReport",
    "WorkdayCalendar",
    "entry_problems",
    "remove",
    "shipped_policies",
    "validate_removals",
    "version_problem",
]
