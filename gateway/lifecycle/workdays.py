"""PRC working days (工作日), adjusted workdays (调休) included, for deadlines and statistics.

Sources, in order: the operator's override file (``data/workday_overrides.json``, or one the
deployment passes in), ``chinese-calendar`` (official data; it stops at the last published
year and raises ``NotImplementedError`` beyond), then the ``holidays`` package's China calendar
(statutory holidays and known weekend workdays for later years). Every answer says which
source decided, so a deadline computed from a fallback can be audited.
"""

from __future__ import annotations

import json
import logging
from calendar import isleap
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from importlib import resources

import chinese_calendar  # type: ignore[import-untyped]
from holidays import HolidayBase
from holidays.countries.china import China
from pydantic import Field

from gateway_client.contract import Frozen

log = logging.getLogger("credit_gateway.workdays")

OVERRIDE = "override"
CHINESE_CALENDAR = "chinese-calendar"
HOLIDAYS_PACKAGE = "holidays"


class Overrides(Frozen):
    version: str
    note: str = ""
    holidays: frozenset[date] = Field(default_factory=frozenset)
    workdays: frozenset[date] = Field(default_factory=frozenset)


@cache
def shipped_overrides() -> Overrides:
    text = resources.files("gateway.data").joinpath("workday_overrides.json").read_text("utf-8")
    return Overrides.model_validate(json.loads(text))


@cache
def _china(year: int) -> HolidayBase:
    return China(years=year)  # type: ignore[no-untyped-call]


class WorkdayCalendar:
    def __init__(self, overrides: Overrides | None = None) -> None:
        self._overrides = overrides or shipped_overrides()
        self._running: dict[int, tuple[int, ...]] = {}  # by year: see ``_counted``

    def is_workday(self, day: date) -> tuple[bool, str]:
        """Whether ``day`` is a working day, and which source said so."""
        if day in self._overrides.holidays:
            return False, OVERRIDE
        if day in self._overrides.workdays:
            return True, OVERRIDE
        try:
            return bool(chinese_calendar.is_workday(day)), CHINESE_CALENDAR
        except NotImplementedError:
            return bool(_china(day.year).is_working_day(day)), HOLIDAYS_PACKAGE

    def add_workdays(self, start: date, count: int) -> tuple[date, frozenset[str]]:
        """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
        day, sources, left = start, set(), count
        while left > 0:
            day += timedelta(days=1)
            working, source = self.is_workday(day)
            sources.add(source)
            left -= working
        if HOLIDAYS_PACKAGE in sources:
            log.warning(
                "working days after %s decided partly by the holidays package: no official "
                "chinese-calendar data; add the year to the override file when published",
                start,
            )
        return day, frozenset(sources)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start).

        Counted from each year's running totals (``_counted``): a listing decided years before
        it was published spans a thousand days, and asking the calendar day by day took
        milliseconds for every listing the stream handler counts."""
        if end <= start:
            return 0
        upto = self._counted(end.year)[_day_of_year(end)]
        before = self._counted(start.year)[_day_of_year(start)]
        whole = sum(self._counted(year)[-1] for year in range(start.year, end.year))
        return whole + upto - before

    def _counted(self, year: int) -> tuple[int, ...]:
        """Per day of ``year``, the working days from 1 January through it; computed once per
        year (the calendar's sources do not change while the process runs)."""
        running = self._running.get(year)
        if running is None:
            first, total, counts = date(year, 1, 1), 0, []
            for n in range(366 if isleap(year) else 365):
                total += self.is_workday(first + timedelta(days=n))[0]
                counts.append(total)
            running = self._running[year] = tuple(counts)
        return running


def _day_of_year(day: date) -> int:
    """0 for 1 January."""
    return day.timetuple().tm_yday - 1


def sources_text(sources: Iterable[str]) -> str:
    return "+".join(sorted(sources))
