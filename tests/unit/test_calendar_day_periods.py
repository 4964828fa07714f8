"""A period of calendar days ending on a day off ends on the next working day (民法典 第二百零三条:
期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日; review 36): an owner
was reported late while its office was shut for National Day."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.lifecycle import period_end
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway_client.contract import add_months, months_after

CALENDAR = WorkdayCalendar()


@pytest.mark.parametrize(
    ("start", "ends"),
    [
        pytest.param(date(2026, 9, 11), date(2026, 10, 8), id="national-day"),
        pytest.param(date(2025, 6, 2), date(2025, 6, 23), id="a-sunday"),
        pytest.param(date(2026, 9, 8), date(2026, 9, 28), id="a-monday-stays"),
    ],
)
def test_twenty_calendar_days_end_on_a_working_day(start: date, ends: date) -> None:
    day, basis = period_end(start, 20, "calendar_days", CALENDAR)

    assert day == ends
    assert CALENDAR.is_workday(day)[0]
    assert basis.startswith("20 calendar days")
    assert ("next working day" in basis) is (day != date.fromordinal(start.toordinal() + 20))


@pytest.mark.parametrize(
    ("start", "months", "after"),
    [
        pytest.param(date(2024, 3, 1), 12, date(2025, 3, 1), id="a-year"),
        pytest.param(date(2024, 2, 29), 12, date(2025, 3, 1), id="a-year-from-a-leap-day"),
        pytest.param(date(2024, 2, 29), 48, date(2028, 2, 29), id="to-a-leap-day"),
        pytest.param(date(2025, 8, 31), 6, date(2026, 3, 1), id="half-a-year-to-february"),
        pytest.param(date(2026, 1, 31), 1, date(2026, 3, 1), id="a-month-from-the-31st"),
    ],
)
def test_a_period_of_months_ends_the_day_after_its_last(
    start: date, months: int, after: date
) -> None:
    """A period of months whose first day is ``start`` stops on the day matching it, or, where
    the end month has none, the day after that month's last (民法典 202; review 198)."""
    assert months_after(start, months) == after
    assert months_after(start, months) >= add_months(start, months)
