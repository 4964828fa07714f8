"""PRC working days: the override file, then chinese-calendar, then the holidays package."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.lifecycle import period_end
from gateway.lifecycle.workdays import (
    CHINESE_CALENDAR,
    HOLIDAYS_PACKAGE,
    OVERRIDE,
    Overrides,
    WorkdayCalendar,
    shipped_overrides,
    sources_text,
)

CALENDAR = WorkdayCalendar()
BEFORE_NATIONAL_DAY = date(2026, 9, 28)  # a Monday; 国庆 runs 1–7 October 2026
ADJUSTED_SATURDAY = date(2026, 10, 10)  # 调休: a Saturday worked


def no_overrides(**days: frozenset[date]) -> WorkdayCalendar:
    return WorkdayCalendar(Overrides(version="test", **days))


# -- chinese-calendar: official data --


def test_twelve_working_days_from_just_before_national_day_end_on_20_october() -> None:
    day, sources = CALENDAR.add_workdays(BEFORE_NATIONAL_DAY, 12)

    assert (day, sources) == (date(2026, 10, 20), frozenset({CHINESE_CALENDAR}))


def test_the_deadline_agrees_with_chinese_calendar_itself() -> None:
    day, _ = CALENDAR.add_workdays(BEFORE_NATIONAL_DAY, 12)

    # find_workday counts the start day as step 0 when it is a working day
    assert day == chinese_calendar.find_workday(12, BEFORE_NATIONAL_DAY)


@pytest.mark.parametrize("offset", range(7))
def test_the_national_day_holiday_is_not_a_working_day(offset: int) -> None:
    assert CALENDAR.is_workday(date(2026, 10, 1) + timedelta(days=offset)) == (
        False,
        CHINESE_CALENDAR,
    )


def test_the_adjusted_saturday_after_national_day_is_a_working_day() -> None:
    assert (ADJUSTED_SATURDAY.weekday(), CALENDAR.is_workday(ADJUSTED_SATURDAY)) == (
        5,
        (True, CHINESE_CALENDAR),
    )


def test_an_ordinary_sunday_is_not_a_working_day() -> None:
    assert CALENDAR.is_workday(date(2026, 10, 11)) == (False, CHINESE_CALENDAR)


def test_the_start_day_itself_is_not_counted() -> None:
    assert CALENDAR.add_workdays(BEFORE_NATIONAL_DAY, 1)[0] == date(2026, 9, 29)


def test_zero_working_days_is_the_start_day() -> None:
    assert CALENDAR.add_workdays(BEFORE_NATIONAL_DAY, 0) == (BEFORE_NATIONAL_DAY, frozenset())


def test_xinzheng_s_objection_deadline_says_how_it_was_computed() -> None:
    deadline = period_end(BEFORE_NATIONAL_DAY, 12, "working_days", CALENDAR)

    assert deadline == (date(2026, 10, 20), "12 working days (chinese-calendar)")


# -- the holidays package for years chinese-calendar does not know yet --


def test_a_deadline_running_into_2027_falls_back_to_the_holidays_package(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 29–31 December, then 1 January 2027 (元旦, a Friday) off, then 4 and 5 January
    with caplog.at_level(logging.WARNING, logger="credit_gateway.workdays"):
        day, sources = CALENDAR.add_workdays(date(2026, 12, 28), 5)

    assert (day, sources) == (date(2027, 1, 5), frozenset({CHINESE_CALENDAR, HOLIDAYS_PACKAGE}))
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "holidays package" in caplog.records[0].getMessage()


def test_a_deadline_within_official_data_logs_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="credit_gateway.workdays"):
        CALENDAR.add_workdays(BEFORE_NATIONAL_DAY, 12)

    assert caplog.records == []


def test_a_fallback_deadline_names_both_sources_in_its_basis() -> None:
    deadline = period_end(date(2026, 12, 22), 12, "working_days", CALENDAR)

    assert deadline[1] == "12 working days (chinese-calendar+holidays)"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2027, 1, 1), False, id="new-year-2027"),
        pytest.param(date(2027, 1, 4), True, id="a-monday"),
        pytest.param(date(2027, 1, 9), False, id="a-saturday"),
    ],
)
def test_days_beyond_official_data_come_from_the_holidays_package(day: date, working: bool) -> None:
    assert CALENDAR.is_workday(day) == (working, HOLIDAYS_PACKAGE)


# -- the override file wins --


def test_an_override_holiday_wins_over_chinese_calendar() -> None:
    calendar = no_overrides(holidays=frozenset({date(2026, 9, 29)}))

    assert calendar.is_workday(date(2026, 9, 29)) == (False, OVERRIDE)
    assert calendar.add_workdays(BEFORE_NATIONAL_DAY, 12) == (
        date(2026, 10, 21),
        frozenset({OVERRIDE, CHINESE_CALENDAR}),
    )


def test_an_override_workday_wins_over_chinese_calendar() -> None:
    calendar = no_overrides(workdays=frozenset({date(2026, 10, 3)}))

    assert calendar.is_workday(date(2026, 10, 3)) == (True, OVERRIDE)
    assert calendar.add_workdays(BEFORE_NATIONAL_DAY, 12)[0] == date(2026, 10, 19)


def test_overrides_win_over_the_holidays_package_and_silence_its_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar = no_overrides(
        holidays=frozenset({date(2027, 1, 4)}), workdays=frozenset({date(2027, 1, 2)})
    )

    with caplog.at_level(logging.WARNING, logger="credit_gateway.workdays"):
        answers = [calendar.is_workday(date(2027, 1, d)) for d in (1, 2, 4)]
        step = calendar.add_workdays(date(2026, 12, 31), 1)

    assert answers == [(False, HOLIDAYS_PACKAGE), (True, OVERRIDE), (False, OVERRIDE)]
    assert step == (date(2027, 1, 2), frozenset({HOLIDAYS_PACKAGE, OVERRIDE}))
    assert len(caplog.records) == 1  # the holidays package still decided 1 January


def test_the_shipped_override_file_loads() -> None:
    overrides = shipped_overrides()

    assert overrides.version
    assert WorkdayCalendar().is_workday(date(2026, 10, 12)) == (True, CHINESE_CALENDAR)


# -- working days between two dates --


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        pytest.param(date(2026, 9, 28), date(2026, 10, 20), 12, id="across-national-day"),
        pytest.param(date(2026, 9, 30), date(2026, 10, 8), 1, id="only-the-day-after-the-holiday"),
        pytest.param(date(2026, 10, 9), date(2026, 10, 10), 1, id="the-adjusted-saturday"),
        pytest.param(date(2026, 10, 1), date(2026, 10, 7), 0, id="inside-the-holiday"),
        pytest.param(date(2026, 10, 20), date(2026, 10, 20), 0, id="same-day"),
        pytest.param(date(2026, 10, 20), date(2026, 10, 12), 0, id="end-before-start"),
    ],
)
def test_working_days_between_count_after_start_up_to_and_including_end(
    start: date, end: date, count: int
) -> None:
    assert CALENDAR.workdays_between(start, end) == count


def test_working_days_between_inverts_adding_working_days() -> None:
    end, _ = CALENDAR.add_workdays(date(2026, 4, 30), 7)

    assert CALENDAR.workdays_between(date(2026, 4, 30), end) == 7


def test_sources_are_written_sorted_and_joined() -> None:
    assert sources_text({OVERRIDE, HOLIDAYS_PACKAGE, CHINESE_CALENDAR}) == (
        "chinese-calendar+holidays+override"
    )


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(date(2019, 1, 1), date(2028, 12, 31)),
    days=st.integers(-10, 3000),
)
def test_working_days_between_from_yearly_totals_equal_counting_day_by_day(
    start: date, days: int
) -> None:
    """The running totals per year give what asking the calendar for every day gave, across
    year ends, leap days and the years only the holidays package knows."""
    end = start + timedelta(days=days)
    by_day = sum(CALENDAR.is_workday(start + timedelta(days=n))[0] for n in range(1, days + 1))
    assert CALENDAR.workdays_between(start, end) == by_day
    fresh = no_overrides(holidays=frozenset({start + timedelta(days=1)}))  # its own totals
    assert fresh.workdays_between(start, end) == sum(
        fresh.is_workday(start + timedelta(days=n))[0] for n in range(1, days + 1)
    )
