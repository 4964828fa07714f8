"""A region's monthly statistics from its subtree's counters (``gateway.statistics.tallies``).

The reader hands over the month's items and the ``now`` items of every region in the subtree
(a query by month and region prefix: O(regions × buckets) small items, whatever the number of
listings); this module sums them into the same ``MonthlyStats`` the scanned data gave.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from gateway.recognition import severity_policy
from gateway.statistics.cases import Case, PilotTargets, count_cases
from gateway.statistics.monthly import (
    PUBLICATION_WORKING_DAYS,
    CommitmentCounts,
    FeedbackRate,
    Month,
    MonthlyStats,
    ObjectionCounts,
    Publication,
    PushCounts,
    Usage,
)
from gateway.statistics.records import ByDomainAndSeverity, PerformedRemovals
from gateway.statistics.tallies import (
    ANSWERED,
    CASE,
    DELIVERED,
    IN_FORCE_BLACK,
    IN_FORCE_RED,
    MADE,
    OPEN_COMMITMENT,
    OPEN_OBJECTION,
    PERFORMED,
    PERFORMED_LATE,
    PUBLICATION,
    PUSHES,
)
from gateway.statistics.upward import UpwardShare
from gateway_client.contract import ListedAs, Severity, load_catalogue

Counts = Mapping[str, int]  # one item's counters: attribute → count


def subscriptions_delivered(items: Iterable[Counts]) -> set[str]:
    """The subscriptions the month's items count deliveries for (whose regions to look up)."""
    return {
        attribute.split("#", 1)[1]
        for counts in items
        for attribute in counts
        if attribute.startswith(f"{DELIVERED}#")
    }


def stats_from_counters(
    region: str,
    month: Month,
    months: Mapping[str, Counts],
    now: Mapping[str, Counts],
    subscriber_regions: Mapping[str, str],
    today: date,
    *,
    usage: Usage,
    pilots: PilotTargets,
    upward: Sequence[UpwardShare] = (),
) -> MonthlyStats:
    """``months`` / ``now``: region → counters, for the subtree's regions (the month's bucket
    and the present one); ``subscriber_regions``: subscription → its region, as held now."""
    summed: Counter[str] = Counter()
    for counts in months.values():
        summed.update({k: v for k, v in counts.items() if not k.startswith(f"{CASE}#")})
    present: Counter[str] = Counter()
    for counts in now.values():
        present.update(counts)
    as_of = min(today, month.last_day)
    return MonthlyStats(
        region=region,
        month=str(month),
        pushes=PushCounts(
            **{
                name: summed[f"{PUSHES}#{name}"]
                for name in ("batches", "accepted", "duplicate", "removed", "rejected")
            }
        ),
        active_black=_in_force(present, ListedAs.BLACK_LIST),
        active_dishonesty_records=_in_force(present, ListedAs.DISHONESTY_RECORD),
        active_red=_parts(present, IN_FORCE_RED),
        objections=ObjectionCounts(
            opened=summed["objection#opened"],
            decided=summed["objection#decided"],
            overdue=_overdue_objections(present, str(month), as_of),
        ),
        repairs=summed["repairs"],
        expiries=summed["expiries"],
        performed_removals=_performed(summed),
        feedback=_feedback(summed, subscriber_regions),
        publication=_publication(summed),
        cases=count_cases(_cases(months.values()), region, pilots),
        commitments=CommitmentCounts(
            made=summed[MADE],
            kept=summed["commitment#kept"],
            broken=summed["commitment#broken"],
            withdrawn=summed["commitment#withdrawn"],
            overdue=sum(
                n
                for deadline, n in _parts(present, OPEN_COMMITMENT).items()
                if date.fromisoformat(deadline) < as_of
            ),
        ),
        usage=usage,
        upward=tuple(upward),
    )


def _parts(counts: Counts, prefix: str) -> dict[str, int]:
    """``{prefix}#{rest}`` counters by ``rest`` (non-zero ones)."""
    head = f"{prefix}#"
    return {k[len(head) :]: v for k, v in counts.items() if k.startswith(head) and v}


def _in_force(present: Counts, listed_as: ListedAs) -> ByDomainAndSeverity:
    """Black-list entries in force by domain and severity, as the severity policy now lists
    them (the policy is the deployment's: it is applied when the report is read)."""
    policy, catalogue = severity_policy(), load_catalogue()
    table: dict[str, dict[str, int]] = {}
    for key, count in _parts(present, IN_FORCE_BLACK).items():
        domain, _, severity = key.rpartition("#")
        known = catalogue.domain(domain)
        black = Severity(severity) in policy.black_list or (
            known is not None and known.black_list_by_law
        )
        if (ListedAs.BLACK_LIST if black else ListedAs.DISHONESTY_RECORD) is listed_as:
            table.setdefault(domain, {})[severity] = count
    return table


def _overdue_objections(present: Counts, month: str, as_of: date) -> int:
    """Objections still open, filed by the month's end, whose deadline passed by ``as_of``."""
    overdue = 0
    for key, count in _parts(present, OPEN_OBJECTION).items():
        filed, _, deadline = key.partition("#")
        if filed <= month and date.fromisoformat(deadline) < as_of:
            overdue += count
    return overdue


def _performed(summed: Counts) -> PerformedRemovals:
    removed, late = summed.get(PERFORMED, 0), summed.get(PERFORMED_LATE, 0)
    share = round((removed - late) / removed, 4) if removed else None
    return PerformedRemovals(removed=removed, late=late, on_time_share=share)


def _feedback(summed: Counts, subscriber_regions: Mapping[str, str]) -> tuple[FeedbackRate, ...]:
    answered = _parts(summed, ANSWERED)
    return tuple(
        FeedbackRate(
            subscription_id=subscription_id,
            subscriber_region=subscriber_regions.get(subscription_id, ""),
            deliveries=delivered,
            with_feedback=answered.get(subscription_id, 0),
            rate=round(answered.get(subscription_id, 0) / delivered, 4),
        )
        for subscription_id, delivered in sorted(_parts(summed, DELIVERED).items())
    )


def _publication(summed: Counts) -> Publication:
    """The median and the on-time share from the histogram of working days."""
    # counts of none or fewer (a month's item remade by a late decrement) are no listings
    histogram = sorted((int(days), n) for days, n in _parts(summed, PUBLICATION).items() if n > 0)
    listings = sum(n for _, n in histogram)
    if not listings:
        return Publication(listings=0, median_working_days=None, within_7_working_days_share=None)
    within_limit = sum(n for days, n in histogram if days <= PUBLICATION_WORKING_DAYS)
    middle = [_nth(histogram, (listings - 1) // 2), _nth(histogram, listings // 2)]
    return Publication(
        listings=listings,
        median_working_days=sum(middle) / 2,
        within_7_working_days_share=round(within_limit / listings, 4),
    )


def _nth(histogram: Sequence[tuple[int, int]], index: int) -> int:
    """The ``index``-th value (from 0) of the sorted values the histogram counts."""
    for value, n in histogram:
        if index < n:
            return value
        index -= n
    raise IndexError(index)


def _cases(items: Iterable[Counts]) -> list[Case]:
    """Each case attribute once: a case is kept in both regions it involves, and when both
    lie in the subtree it is read twice."""
    found: dict[str, int] = {}
    for counts in items:
        found.update(_parts(counts, CASE))
    cases = []
    for key, count in found.items():
        executing, origin, side, domain = key.split("#", 3)
        if count:
            cases.append(Case(executing, origin, side or None, domain or None, count))
    return cases
