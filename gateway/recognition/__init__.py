"""Mutual recognition: agreements, measures, who honours which listing, the one-stop view."""

from gateway.recognition.agreement import Agreement, AgreementTerms, SourceScope
from gateway.recognition.disclosure import (
    ANONYMOUS,
    Disclosure,
    PersonalQueryRequiresSignature,
    Viewer,
    disclosure,
    is_natural_person,
    shown,
)
from gateway.recognition.feedback import (
    FEEDBACK_REFUSALS,
    Case,
    Feedback,
    FeedbackReport,
    ReportTooLarge,
    cases_in,
    check_report,
    reported_cases,
)
from gateway.recognition.matching import counted, intensified_domains, is_intensified, recognise
from gateway.recognition.measures import MeasureCatalogue, load_measures
from gateway.recognition.memo import Recognitions, facts, remembered
from gateway.recognition.number_tries import (
    TryCounter,
    TryLimit,
    mask_of,
    refusal_message,
)
from gateway.recognition.query import (
    LISTINGS_PAGE,
    ListingsPage,
    SubjectView,
    page_of,
    subject_view,
)
from gateway.recognition.query_trail import (
    DEFAULT_KEEP_DAYS,
    Asked,
    TrailEntry,
    entry_for,
    keyed,
    leaves_trail,
    readable,
    subject_key,
    trail_entry,
    trail_key,
)
from gateway.recognition.severity_policy import (
    SeverityPolicy,
    punishes,
    severity_policy,
    use_severity_policy,
)
from gateway.recognition.standing import GreenChannel, Refusal, black_in_force, yielded

__all__ = [
    "ANONYMOUS",
    "DEFAULT_KEEP_DAYS",
    "FEEDBACK_REFUSALS",
    "LISTINGS_PAGE",
    "Agreement",
    "AgreementTerms",
    "Asked",
    "Case",
    "Disclosure",
    "Feedback",
    "FeedbackReport",
    "GreenChannel",
    "ListingsPage",
    "MeasureCatalogue",
    "PersonalQueryRequiresSignature",
    "Recognitions",
    "Refusal",
    "ReportTooLarge",
    "SeverityPolicy",
    "SourceScope",
    "SubjectView",
    "TrailEntry",
    "TryCounter",
    "TryLimit",
    "Viewer",
    "black_in_force",
    "cases_in",
    "check_report",
    "counted",
    "disclosure",
    "entry_for",
    "facts",
    "intensified_domains",
    "is_intensified",
    "is_natural_person",
    "keyed",
    "leaves_trail",
    "load_measures",
    "mask_of",
    "page_of",
    "punishes",
    "readable",
    "recognise",
    "refusal_message",
    "remembered",
    "reported_cases",
    "severity_policy",
    "shown",
    "subject_key",
    "subject_view",
    "trail_entry",
    "trail_key",
    "use_severity_policy",
    "yielded",
]
