"""An objection's deadlines, recomputed from its terms and the moments it recorded — filed,
notice received, verified, decided — so recording a moment twice changes nothing.

The owner's deadline runs from the notice (seed 001 湖南 §二(四)6: 收到核查通知之日起20日内)
unless the terms count from the filing (seed 002 新郑 §六(三): reply within 12 working days of
the application). Steps (002 §六(三): forward 5, verify 5, reply 2 working days) are each
counted from the day the step before ended, the first from the filing; a step whose start is
not known yet has no deadline yet.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from gateway.lifecycle.workdays import WorkdayCalendar, sources_text
from gateway_client.contract import (
    Listing,
    Objection,
    ObjectionStep,
    ObjectionTerms,
    StepName,
    china_date,
)


def period_end(start: date, amount: int, unit: str, workdays: WorkdayCalendar) -> tuple[date, str]:
    """The day ``amount`` calendar or working days after ``start``, and how it was counted.

    A period of calendar days whose last day is a rest day or a public holiday ends on the
    next working day (民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的
    次日为期间的最后一日): 20 days from 11 September end on 8 October, not on National Day."""
    if unit == "calendar_days":
        day = last = start + timedelta(days=amount)
        sources: set[str] = set()
        while not (found := workdays.is_workday(day))[0]:
            sources.add(found[1])
            day += timedelta(days=1)
        if day == last:
            return day, f"{amount} calendar days"
        moved = f"{last.isoformat()} is a day off ({sources_text(frozenset(sources))})"
        return day, f"{amount} calendar days, to the next working day ({moved})"
    found_day, found_sources = workdays.add_workdays(start, amount)
    return found_day, f"{amount} working days ({sources_text(found_sources)})"


def timeline(objection: Objection, workdays: WorkdayCalendar) -> Objection:
    """``objection`` with its deadline, basis and steps as its terms and moments give them
    (one filed before terms were recorded keeps what it has)."""
    terms = objection.terms
    if terms is None:
        return objection
    deadline, basis = _deadline(objection, terms, workdays)
    return objection.model_copy(
        update={
            "deadline": deadline,
            "deadline_basis": basis,
            "steps": _steps(objection, terms, workdays, deadline),
        }
    )


def _deadline(
    objection: Objection, terms: ObjectionTerms, workdays: WorkdayCalendar
) -> tuple[date | None, str]:
    if terms.counted_from == "filing":
        day, how = period_end(china_date(objection.filed_at), terms.deadline, terms.unit, workdays)
        return day, f"{how} from the filing ({china_date(objection.filed_at).isoformat()})"
    if objection.notified_at is None:
        unit = terms.unit.replace("_", " ")
        return None, f"awaiting the owner's notice (核查通知): {terms.deadline} {unit} from it"
    noticed = china_date(objection.notified_at)
    day, how = period_end(noticed, terms.deadline, terms.unit, workdays)
    return day, f"{how} from the notice (收到核查通知之日 {noticed.isoformat()})"


def _done_at(objection: Objection, name: StepName) -> datetime | None:
    return {
        "forwarded": objection.notified_at,
        "verified": objection.verified_at,
        "replied": objection.decided_at,
    }[name]


def _steps(
    objection: Objection, terms: ObjectionTerms, workdays: WorkdayCalendar, last: date | None
) -> tuple[ObjectionStep, ...]:
    """Each step's deadline, from the one before it done, never after the objection's own
    (``last``): calendar-day steps each moved off a day off would otherwise add up to more than
    the whole (review 37)."""
    steps: list[ObjectionStep] = []
    start: date | None = china_date(objection.filed_at)
    for term in terms.steps:
        deadline = (
            None if start is None else period_end(start, term.within, terms.unit, workdays)[0]
        )
        if deadline is not None and last is not None:
            deadline = min(deadline, last)
        done = _done_at(objection, term.name)
        steps.append(ObjectionStep(name=term.name, deadline=deadline, done_at=done))
        start = None if done is None else china_date(done)
    return tuple(steps)


NOTICE_DAYS = 7
"""A notice the owner has not acknowledged a week after the filing is reported (step
``notice``): its endpoint is failing, or it has none, and only another way will reach it — until
then a deadline counted from the notice has not even begun."""


def late_after(objection: Objection) -> date | None:
    """The day after which an open objection is late as a whole, as the statistics count it:
    the first of its deadline and, while the owner's notice is awaited, the notice's own due
    day — else an owner that never received a notice never showed an objection overdue, which
    the overdue list shows as late (review 275), nor one whose deadline counts from the filing
    before that deadline came (review 276)."""
    notice = china_date(objection.filed_at) + timedelta(days=NOTICE_DAYS)
    due = [
        *([objection.deadline] if objection.deadline is not None else []),
        *([notice] if objection.awaiting_notice else []),
    ]
    return min(due, default=None)


def overdue_steps(objection: Objection, today: date) -> list[tuple[str, date]]:
    """What of an open objection is late on ``today``: the owner's notice (``notice``), each
    undone step past its deadline, and ``decision`` when the deadline itself has passed."""
    if not objection.open:
        return []
    late: list[tuple[str, date]] = []
    notice_due = china_date(objection.filed_at) + timedelta(days=NOTICE_DAYS)
    if objection.awaiting_notice and notice_due < today:
        late.append(("notice", notice_due))
    late += [
        (step.name, step.deadline)
        for step in objection.steps
        if step.done_at is None and step.deadline is not None and step.deadline < today
    ]
    if objection.deadline is not None and objection.deadline < today:
        late.append(("decision", objection.deadline))
    return late


def overdue_entries(listing: Listing, today: date) -> list[dict[str, str]]:
    """One entry per late step of the listing's open objection (``decision``: the deadline)."""
    objection = listing.objection
    if objection is None:
        return []
    return [
        {
            "listing_id": listing.listing_id,
            "origin_region": listing.origin_region,
            "objection_id": objection.objection_id,
            "step": step,
            "deadline": deadline.isoformat(),
            "filed_at": objection.filed_at.isoformat(),
        }
        for step, deadline in overdue_steps(objection, today)
    ]


def noticed_by(objection: Objection, at: datetime) -> Objection:
    """``objection`` with the owner's notice received at ``at``, unless it already was (the
    first receipt counts: a retried acknowledgement moves nothing)."""
    if not objection.awaiting_notice:
        return objection
    return objection.model_copy(update={"awaiting_notice": False, "notified_at": at})
