"""A listing's term where the law sets one: 法释〔2017〕7号 第二条 lists a court defaulter under
第一条第二至六项 for two years, which a new decision may extend by one to three years (延长期限:
violent resistance to enforcement, several kinds of dishonesty); one under 第一项 (able to
perform but refusing) has no term and stays listed until it is deleted (``open_ended``).

The period a platform pushes (``valid_until``) may run to the domain's period plus the
extension; without one, no further than the domain's period.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field
from pydantic_core import PydanticCustomError

from gateway_client.contract.catalogue import Domain, Severity, load_catalogue
from gateway_client.contract.clock import months_after
from gateway_client.contract.identity import same_decision
from gateway_client.contract.model import ONE_LINE, Day, Frozen


class Extension(Frozen):
    decision_number: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
    decided_on: Day
    years: int = Field(ge=1, le=10)


def extensible(domain: str) -> Domain | None:
    """The domain, when it may be extended at all."""
    found = load_catalogue().domain(domain)
    return found if found is not None and found.extension_years else None


def check_extension(extension: Extension, domain: str, decided_on: date | None) -> None:
    """Raise the entry error for an extension the domain does not allow, one longer than it
    allows, or one decided before the listing itself."""
    rules = extensible(domain)
    if rules is None or rules.extension_years is None:
        raise PydanticCustomError(
            "extension_not_allowed", "domain {domain} has no extension", {"domain": domain}
        )
    if extension.years > rules.extension_years:
        raise PydanticCustomError(
            "extension_too_long",
            "{domain} may be extended by at most {years} years",
            {"domain": domain, "years": rules.extension_years},
        )
    if decided_on is not None and extension.decided_on < decided_on:
        raise PydanticCustomError(
            "dates_out_of_order",
            "the extension is decided before the listing",
            {"field": "decided_on"},
        )


def check_decided_anew(extension: Extension, decision_number: str) -> None:
    """Raise the entry error for an extension under the listing's own decision number (the
    same number, spelt otherwise too: ``same_decision``)."""
    if same_decision(extension.decision_number, decision_number):
        raise PydanticCustomError(
            "extension_not_decided_anew",
            "an extension is a decision of its own: its decision_number is the listing's",
        )


def check_open_ended(domain: str, extension: Extension | None) -> None:
    """Raise the entry error for an open-ended listing in a domain with no such listings, or
    one that also claims an extension of a term it does not have."""
    rules = load_catalogue().domain(domain)
    if rules is None or not rules.open_ended_allowed:
        raise PydanticCustomError(
            "open_ended_not_allowed", "domain {domain} has a term", {"domain": domain}
        )
    if extension is not None:
        raise PydanticCustomError(
            "open_ended_with_extension", "an open-ended listing has no term to extend"
        )


def longest_until(
    domain: str, valid_from: date, extension: Extension | None, severity: Severity | None = None
) -> date | None:
    """The latest ``valid_until`` a black listing may have: its domain's period (plus an
    extension decided anew), else its severity's longest publicity (DESIGN §4b: general 1 year,
    severe 3; at the maximum a listing expires by itself); ``None`` where neither sets one."""
    rules = load_catalogue().domain(domain)
    if rules is not None and rules.publicity_years and rules.sets_period(severity):
        years = rules.publicity_years + (extension.years if extension is not None else 0)
        return months_after(valid_from, 12 * years)
    if severity is None:
        return None
    return months_after(valid_from, load_catalogue().severity(severity).max_publicity_months)
