"""Monthly statistics for a region's subtree: what was pushed, what applies, how it was handled."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pydantic import Field

from gateway.delivery import DeliveryRecord, DeliveryState
from gateway.intake import PushResult
from gateway.lifecycle import WorkdayCalendar, late_after
from gateway.recognition import Feedback
from gateway.statistics.cases import Cases, PilotTargets, count_cases, executed_cases
from gateway.statistics.records import (
    ByDomainAndSeverity,
    PerformedRemovals,
    in_force,
    performed_removals,
)
from gateway.statistics.tallies import counted_event, publishes_a_decision
from gateway.statistics.upward import UpwardShare
from gateway_client.contract import (
    CHINA,
    EARLIEST_YEAR,
    IN_FORCE,
    LATEST_YEAR,
    BadRequest,
    CommitmentOutcome,
    Frozen,
    ListedAs,
    Listing,
    ListKind,
    china_date,
    outcome_counted,
    within,
)

PUBLICATION_WORKING_DAYS = 7  # 双公示: published within 7 working days (seeds 001, 003, 004)
PUBLICATION_DEFINITION = (
    "working days (PRC calendar, 调休 included) from a listing's decision (decided_on) to the "
    "day the gateway first accepted it (listed_at), for the black and red listings platforms "
    "pushed that were first accepted this month (not commitments, evaluation results or the "
    "gateway's own broken-commitment listings): how "
    "soon a decision reached the exchange, against the 7 working days seeds 001 二(一)4, 003 "
    "(十九) and 004 二(二)2 allow for publishing licences and penalties (双公示)"
)


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


class FutureMonth(BadRequest):
    code = "future_month"


class MonthNotKept(BadRequest):
    code = "month_not_kept"


COUNTERS_KEPT = timedelta(days=1096)
"""How long a month's counters are kept from its first day (three years of months): a month
older than that is answered by nothing (``Month.still_kept``)."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``; raises ``ValueError`` otherwise."""
        if not _MONTH.fullmatch(text):  # ASCII digits: str.isdigit takes any script's (２０２６)
            raise ValueError("a month is written YYYY-MM")
        parsed = cls(int(text[:4]), int(text[5:]))
        if not 1 <= parsed.month <= 12 or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            raise ValueError(f"a month is written YYYY-MM, from {EARLIEST_YEAR} to {LATEST_YEAR}")
        return parsed

    def not_after(self, today: date, name: str) -> Month:
        """This month, asked for by the query parameter ``name``: none after ``today``'s
        (Beijing) has anything to read or count yet (400 ``future_month``)."""
        if (self.year, self.month) > (today.year, today.month):
            raise FutureMonth(f"{name}: {self} is after this month", path=name)
        return self

    def still_kept(self, now: datetime, name: str) -> Month:
        """This month, asked for by the query parameter ``name``, if its counters are still
        kept (400 ``month_not_kept``): one past their keep would read as a month with nothing
        in it, or, while its last items expire, as a part of one (review 372)."""
        if now - datetime(self.year, self.month, 1, tzinfo=CHINA) > COUNTERS_KEPT:
            days = COUNTERS_KEPT.days
            raise MonthNotKept(
                f"{name}: {self}'s counters are kept {days} days from its first day", path=name
            )
        return self

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def has(self, moment: datetime | date) -> bool:
        day = china_date(moment) if isinstance(moment, datetime) else moment
        return (day.year, day.month) == (self.year, self.month)

    def utc_range(self) -> tuple[str, str]:
        """The month (in Beijing) as [start, end) ISO instants in UTC, for range scans."""
        start = datetime(self.year, self.month, 1, tzinfo=CHINA)
        following = date.fromordinal(self.last_day.toordinal() + 1)
        end = datetime(following.year, following.month, 1, tzinfo=CHINA)
        return start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()

    @property
    def last_day(self) -> date:
        following = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)


class PushCounts(Frozen):
    batches: int
    accepted: int
    duplicate: int
    removed: int
    rejected: int


class ObjectionCounts(Frozen):
    opened: int
    decided: int
    overdue: int = Field(
        description="filed by the month's end, still open today, and past their deadline by "
        "the month's end (or today): one decided since no longer counts in a past month"
    )


class FeedbackRate(Frozen):
    subscription_id: str
    subscriber_region: str
    deliveries: int
    with_feedback: int
    rate: float | None


class Publication(Frozen):
    definition: str = PUBLICATION_DEFINITION
    listings: int
    median_working_days: float | None
    within_7_working_days_share: float | None


class CommitmentCounts(Frozen):
    """信用承诺 of the subtree: made this month (first accepted), settled this month by outcome
    (its ``outcome_on``), and open past their deadline (see ``overdue``)."""

    made: int
    kept: int
    broken: int
    withdrawn: int
    overdue: int = Field(
        description="still open today and past their deadline by the month's end (or today): "
        "one settled since no longer counts in a past month (the counters hold the present)"
    )


class Usage(Frozen):
    """What the subtree's platforms asked of the gateway in the month (``UsageCounter``)."""

    checks: int = Field(default=0, description="batch checks run (POST /v1/checks)")
    codes_checked: int = 0
    reports: int = Field(default=0, description="signed check reports issued")


_NOW = " — now, when the report is read, whatever month is asked (the counters hold the present)"


class MonthlyStats(Frozen):
    region: str
    month: str
    pushes: PushCounts
    active_black: ByDomainAndSeverity = Field(
        description="black listings in force (joint punishment), by domain and severity" + _NOW
    )
    active_dishonesty_records: ByDomainAndSeverity = Field(
        description="失信记录 in force: black-list entries of a severity the deployment does "
        "not list as black listings (CG_BLACK_LIST_SEVERITIES)" + _NOW
    )
    active_red: dict[str, int] = Field(description="red listings in force, by domain" + _NOW)
    objections: ObjectionCounts
    repairs: int
    expiries: int
    performed_removals: PerformedRemovals
    feedback: tuple[FeedbackRate, ...]
    publication: Publication
    cases: Cases
    commitments: CommitmentCounts
    usage: Usage
    upward: tuple[UpwardShare, ...] = Field(
        default=(), description="向上报送: each upward-reporting rule's month (CG_UPWARD_REPORTING)"
    )


def monthly_stats(
    region: str,
    month: Month,
    batches: Sequence[PushResult],
    listings: Sequence[Listing],
    deliveries: Sequence[DeliveryRecord],
    subscriber_regions: Mapping[str, str],
    feedback: Sequence[Feedback],
    today: date,
    workdays: WorkdayCalendar,
    *,
    usage: Usage,
    pilots: PilotTargets,
    upward: Sequence[UpwardShare] = (),
) -> MonthlyStats:
    """Everything counts for ``region``'s whole subtree; "active" is as of now; ``usage`` and
    ``upward`` (``gateway.statistics.upward``) are already the subtree's.

    The report computed from every item: the definition the route's counters
    (``gateway.statistics.rollup``) are proven equal to, for the same events, by the tests;
    the route itself no longer reads the items (a scan of each table per request)."""
    ours = [x for x in listings if within(x.origin_region, region)]
    by_id = {x.listing_id: x for x in listings}
    return MonthlyStats(
        region=region,
        month=str(month),
        pushes=_pushes(
            [b for b in batches if within(b.region, region) and month.has(b.received_at)]
        ),
        active_black=in_force(ours, ListedAs.BLACK_LIST),
        active_dishonesty_records=in_force(ours, ListedAs.DISHONESTY_RECORD),
        active_red=dict(
            Counter(x.domain for x in ours if x.kind is ListKind.RED and x.status in IN_FORCE)
        ),
        objections=_objections(ours, month, min(today, month.last_day)),
        repairs=_events(ours, month, "repaired"),
        expiries=_events(ours, month, "expired"),
        performed_removals=performed_removals(ours, month.has, workdays),
        feedback=_feedback(region, month, deliveries, subscriber_regions, feedback),
        publication=_publication(ours, month, workdays),
        cases=count_cases(executed_cases(feedback, by_id), region, pilots),
        commitments=_commitments(ours, month, min(today, month.last_day)),
        usage=usage,
        upward=tuple(upward),
    )


def _commitments(listings: Sequence[Listing], month: Month, as_of: date) -> CommitmentCounts:
    made = [(x, x.commitment) for x in listings if x.commitment is not None]
    settled = Counter(
        outcome
        for x, c in made
        if (outcome := outcome_counted(x)) is not None and month.has(c.outcome_on or as_of)
    )
    return CommitmentCounts(
        made=sum(1 for x, _ in made if month.has(x.listed_at or x.accepted_at)),
        kept=settled[CommitmentOutcome.KEPT],
        broken=settled[CommitmentOutcome.BROKEN],
        withdrawn=settled[CommitmentOutcome.WITHDRAWN],
        overdue=sum(1 for x, c in made if c.overdue(as_of) and x.status in IN_FORCE),
    )


def _pushes(batches: Sequence[PushResult]) -> PushCounts:
    return PushCounts(
        batches=len(batches),
        accepted=sum(b.accepted for b in batches),
        duplicate=sum(b.duplicate for b in batches),
        removed=sum(b.removed for b in batches),
        rejected=sum(b.rejected for b in batches),
    )


def _events(listings: Sequence[Listing], month: Month, event: str) -> int:
    return sum(
        1
        for x in listings
        for step in x.history
        if counted_event(step) == event and month.has(step.at)
    )


def _objections(listings: Sequence[Listing], month: Month, as_of: date) -> ObjectionCounts:
    overdue = sum(
        1
        for x in listings
        if x.objection is not None
        and x.objection.open
        and china_date(x.objection.filed_at) <= month.last_day
        and (late := late_after(x.objection)) is not None
        and late < as_of
    )
    return ObjectionCounts(
        opened=_events(listings, month, "objection_filed"),
        decided=_events(listings, month, "objection_decided"),
        overdue=overdue,
    )


def _feedback(
    region: str,
    month: Month,
    deliveries: Sequence[DeliveryRecord],
    subscriber_regions: Mapping[str, str],
    feedback: Sequence[Feedback],
) -> tuple[FeedbackRate, ...]:
    answered = {f.delivery_id for f in feedback}
    delivered: dict[str, list[str]] = defaultdict(list)
    for d in deliveries:
        if (
            d.state is DeliveryState.DELIVERED
            and d.asks_feedback
            and within(d.origin_region, region)
            and month.has(datetime.fromisoformat(d.updated_at))
        ):
            delivered[d.subscription_id].append(d.delivery_id)
    rates = []
    for subscription_id, ids in sorted(delivered.items()):
        done = sum(1 for i in ids if i in answered)
        rates.append(
            FeedbackRate(
                subscription_id=subscription_id,
                subscriber_region=subscriber_regions.get(subscription_id, ""),
                deliveries=len(ids),
                with_feedback=done,
                rate=round(done / len(ids), 4),
            )
        )
    return tuple(rates)


def _publication(
    listings: Sequence[Listing], month: Month, workdays: WorkdayCalendar
) -> Publication:
    """Working days from the decision to the gateway's first acceptance (双公示 timeliness)."""
    delays = [
        workdays.workdays_between(x.decided_on, china_date(x.listed_at or x.accepted_at))
        for x in listings
        if month.has(x.listed_at or x.accepted_at) and publishes_a_decision(x)
    ]
    if not delays:
        return Publication(listings=0, median_working_days=None, within_7_working_days_share=None)
    within_limit = sum(1 for d in delays if d <= PUBLICATION_WORKING_DAYS)
    return Publication(
        listings=len(delays),
        median_working_days=float(statistics.median(delays)),
        within_7_working_days_share=round(within_limit / len(delays), 4),
    )
