"""What a subtree's black lists hold at the end of a month, and how promptly court defaulters
who performed their obligation were deleted.

A black-list entry counts as a black listing (黑名单, joint punishment) or a dishonesty record
(失信记录) as the deployment's severity policy has it (``gateway.recognition.severity_policy``);
both are counted, apart. 法释〔2017〕7号 第十条 wants a performed obligation deleted within three
working days: each removal with reason ``performed`` this month is judged against the
performance date it carried.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date

from gateway.lifecycle import WorkdayCalendar
from gateway.recognition import severity_policy
from gateway_client.contract import (
    IN_FORCE,
    Frozen,
    ListedAs,
    Listing,
    ListingStatus,
    load_catalogue,
    stopped_applying,
)

ByDomainAndSeverity = dict[str, dict[str, int]]


def in_force(listings: Sequence[Listing], listed_as: ListedAs) -> ByDomainAndSeverity:
    """Entries in force that count as ``listed_as``, by domain and severity."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    policy = severity_policy()
    for x in listings:
        if x.status in IN_FORCE and x.severity is not None and policy.listed_as(x) is listed_as:
            table[x.domain][x.severity.value] += 1
    return {domain: dict(counts) for domain, counts in table.items()}


class PerformedRemovals(Frozen):
    """Listings removed this month because the obligation was performed (已履行): how many,
    how many later than their domain allows (court defaulters: 3 working days), the share on
    time."""

    removed: int
    late: int
    on_time_share: float | None


def performed_removals(
    listings: Sequence[Listing], in_month: Callable[[date], bool], workdays: WorkdayCalendar
) -> PerformedRemovals:
    removed = late = 0
    for x in listings:
        at = stopped_applying(x)  # not a later step on the ended listing (review 125)
        if x.status is not ListingStatus.PERFORMED or x.performed_on is None or at is None:
            continue
        if not in_month(at):
            continue
        removed += 1
        domain = load_catalogue().domain(x.domain)
        allowed = domain.performed_removal_working_days if domain is not None else None
        # the deadline day itself, so a performance dated decades back costs no more to judge
        if allowed is not None and at > workdays.add_workdays(x.performed_on, allowed)[0]:
            late += 1
    share = round((removed - late) / removed, 4) if removed else None
    return PerformedRemovals(removed=removed, late=late, on_time_share=share)
