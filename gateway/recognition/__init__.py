"""Mutual recognition: agreements, measures, who honours which listing, the one-stop view."""

from gateway.recognition.agreement import Agreement, AgreementTerms
from gateway.recognition.disclosure import (
    ANONYMOUS,
    Disclosure,
    PersonalQueryRequiresSignature,
    Viewer,
    disclosure,
    is_natural_person,
    shown,
)
from gateway.recognition.feedback import Feedback, FeedbackReport
from gateway.recognition.matching import intensified_domains, is_intensified, recognise
from gateway.recognition.measures import load_measures
from gateway.recognition.query import SubjectView, subject_view
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

__all__ = [
    "ANONYMOUS",
    "DEFAULT_KEEP_DAYS",
    "Agreement",
    "AgreementTerms",
    "Asked",
    "Disclosure",
    "Feedback",
    "FeedbackReport",
    "PersonalQueryRequiresSignature",
    "SubjectView",
    "TrailEntry",
    "Viewer",
    "disclosure",
    "entry_for",
    "intensified_domains",
    "is_intensified",
    "is_natural_person",
    "keyed",
    "leaves_trail",
    "load_measures",
    "readable",
    "recognise",
    "shown",
    "subject_key",
    "subject_view",
    "trail_entry",
    "trail_key",
]
