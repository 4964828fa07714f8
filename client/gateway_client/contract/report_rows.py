"""What one subject of a check result is, as the signed summary counts it: the lists applying
to it, a grade its scheme calls poor or an incentive, a promise broken while it held and not
found untrue — one reading for the PDF's rows and the CLI's table (reviews 372, 374: a poor
grade and a broken promise were "none applies", a revoked breach a broken promise)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from gateway_client.contract.catalogue import load_catalogue
from gateway_client.contract.credit_records import broken_while_in_force, found_wrong
from gateway_client.contract.listing import Listing
from gateway_client.contract.reports import report_applies, report_kind

APPLYING = (
    "black",
    "dishonesty_record",
    "poor_grade",
    "broken_commitment",
    "red",
    "incentive_grade",
)
"""Each thing a listing can be, in the order a row names them."""


def applying(views: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """What the listings of one subject (``subject.listings``) are, in ``APPLYING``'s order."""
    found = {name for view in views for name in _applying(view)}
    return tuple(name for name in APPLYING if name in found)


def named_black(named: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a person's ``named_in`` holds a black-list entry that applies (as the summary's
    ``named_in_black`` counts it): the measures aimed at the person as its responsible person."""
    return any(x["listing"]["kind"] == "black" and report_applies(x) for x in named)


def _applying(view: Mapping[str, Any]) -> tuple[str, ...]:
    listing = view["listing"]
    if (listing.get("commitment") or {}).get("outcome") == "broken":
        return ("broken_commitment",) if _breach_stands(listing) else ()
    if not report_applies(view):
        return ()
    made = listing.get("evaluation") or {}
    scheme = load_catalogue().scheme(str(made.get("scheme", "")))
    if scheme is not None:
        sides = (("poor_grade", scheme.poor_grades), ("incentive_grade", scheme.incentive_grades))
        return tuple(name for name, grades in sides if made.get("grade") in grades)
    kind = report_kind(view)
    return (kind,) if kind in APPLYING else ()


def _breach_stands(listing: Mapping[str, Any]) -> bool:
    try:
        held = Listing.model_validate(listing)
    except ValidationError:  # a report of another release: as it applied then
        return listing.get("status") == "active"
    return not found_wrong(held) and broken_while_in_force(held)
