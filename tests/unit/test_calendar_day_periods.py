"""A period of calendar days ending on a day off ends on the next working day (民法典 第二百零三条:
期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日; review 36): an owner
was reported late while its office was shut for National Day."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.lifecycle import period_end
from gateway.lifecycle.workdays import WorkdayCalendar

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
