"""Which listings are a bad credit record: a black listing, or a result of a grade its scheme
calls poor (a D tax grade, 海关失信企业) — what closes the green channel as a black listing
does (review 147), and what credit repair ends (纳税信用修复, customs credit repair: review
194). Here, below the wings, for recognition and the lifecycle both to read."""

from __future__ import annotations

from typing import Literal

from gateway_client.contract.catalogue import ListKind, load_catalogue
from gateway_client.contract.listing import Listing


def grade_in(listing: Listing, side: Literal["incentive_grades", "poor_grades"]) -> bool:
    """A result whose grade its scheme lists on ``side``."""
    made = listing.evaluation
    if listing.kind is not ListKind.EVALUATION or made is None:
        return False
    scheme = load_catalogue().scheme(made.scheme)
    return scheme is not None and made.grade in getattr(scheme, side)


def poor_grade(listing: Listing) -> bool:
    """A result of a grade its scheme calls a bad credit record."""
    return grade_in(listing, "poor_grades")


def bad_record(listing: Listing) -> bool:
    """A black listing, or a poor grade."""
    return listing.kind is ListKind.BLACK or poor_grade(listing)
