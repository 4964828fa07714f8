"""Why an entry cannot be stored at all, before anything held is read: an origin the region may
not claim (outside its subtree, or a sub-region's without the relay policy), a domain a national
source may not list in or one only the gateway lists in, a version or a date from the future.
Shared by pushes and bulk uploads (``storing`` asks the same of what it reads)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gateway.lifecycle import RETENTION_YEARS, entry_problems
from gateway.national import domain_problem
from gateway.ownership import relay_allowed
from gateway_client.contract import ListingEntry, load_catalogue, within

DOMAIN_RESERVED = "domain_reserved"


def reserved_problem(domain: str) -> tuple[str, str] | None:
    """(code, message) when ``domain`` is one the gateway lists itself (a broken commitment's
    black listing, by its owner's policy): a platform's new listing there would list the
    subject twice for one broken promise, and a resync of it would unlist the tick's. (The
    owner may still update, and so correct, a listing the tick made, as any of its own.)"""
    known = load_catalogue().domain(domain)
    if known is None or not known.gateway_listed:
        return None
    return (
        DOMAIN_RESERVED,
        f"{domain} is listed by the gateway from broken commitments (the owner's policy); "
        "push the commitment's outcome instead (a listing the tick made may be updated)",
    )


def origin_problem(entry: ListingEntry, region: str, relays: bool) -> tuple[str, str] | None:
    """(code, message) when ``region`` may not push this entry: its origin lies outside the
    region's subtree, or the region's policy is not to relay its sub-regions' listings."""
    return named_origin_problem(entry.origin_region, region, relays)


def named_origin_problem(named: str | None, region: str, relays: bool) -> tuple[str, str] | None:
    """``origin_problem`` of an origin as an entry or a removal names it."""
    origin = named or region
    if not within(origin, region):
        return "region_not_permitted", f"{region} may act for its own subtree only, not {origin}"
    if origin != region and not relay_allowed(region, relays):
        return (
            "relay_not_permitted",
            f"{region} does not relay its sub-regions' listings; {origin} pushes its own",
        )
    return None


def admission_problems(
    entry: ListingEntry,
    region: str,
    relays: bool,
    now: datetime,
    tolerance: timedelta,
    domains: Sequence[str] = (),
    retention_years: int = RETENTION_YEARS,
) -> list[tuple[str, str, str]]:
    """(field, code, message) for each reason a valid entry cannot be stored at all: an origin
    the region may not claim, a domain a national source may not list in (``domains``, empty
    for every other platform), or a version or decision date from the future. (A new listing
    in a domain only the gateway lists in is refused by ``store``, which reads what is held.)"""
    problems = entry_problems(entry, now, tolerance, retention_years)
    origin = origin_problem(entry, region, relays)
    if origin is not None:
        problems.insert(0, ("origin_region", *origin))
    domain = domain_problem(entry.domain, region, domains)
    if domain is not None:
        problems.insert(0, ("domain", *domain))
    return problems
