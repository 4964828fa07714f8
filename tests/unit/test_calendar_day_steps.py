"""Steps counted in calendar days never end after the objection's own deadline (review 37):
each moved off a day off on its own, 5 + 5 + 2 days from the filing added up to more than the
12, and an owner on time at every step was reported late for the decision."""

from __future__ import annotations

from datetime import UTC, date, datetime

from gateway.lifecycle.objection_timeline import overdue_steps, timeline
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway_client.contract import Objection, ObjectionTerms

CALENDAR = WorkdayCalendar()
TERMS = ObjectionTerms(
    suspends=False,
    deadline=12,
    unit="calendar_days",
    counted_from="filing",
    steps=(
        {"name": "forwarded", "within": 5},
        {"name": "verified", "within": 5},
        {"name": "replied", "within": 2},
    ),
    source="a region's 5 + 5 + 2 calendar days, 12 from the filing",
)


def beijing_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def test_an_owner_on_time_at_every_step_is_not_late_for_the_decision() -> None:
    filed = timeline(
        Objection(
            objection_id="o-1",
            filed_at=beijing_noon(date(2025, 6, 2)),
            filed_by="410184",
            reason="异议",
            deadline=None,
            deadline_basis="",
            suspends=False,
            terms=TERMS,
            notified_at=beijing_noon(date(2025, 6, 2)),
        ),
        CALENDAR,
    )
    forwarded_by = filed.steps[0].deadline
    assert forwarded_by is not None
    forwarded = timeline(
        filed.model_copy(update={"notified_at": beijing_noon(forwarded_by)}), CALENDAR
    )
    verified_by = forwarded.steps[1].deadline
    assert verified_by is not None
    verified = timeline(
        forwarded.model_copy(update={"verified_at": beijing_noon(verified_by)}), CALENDAR
    )
    replied_by = verified.steps[2].deadline
    assert replied_by is not None
    assert verified.deadline is not None

    # Each step done on its last day: the reply is due on replied_by.
    assert replied_by <= verified.deadline, (
        forwarded_by,
        verified_by,
        replied_by,
        verified.deadline,
    )
    day_before_reply_due = date.fromordinal(replied_by.toordinal() - 1)
    assert overdue_steps(verified, day_before_reply_due) == []
