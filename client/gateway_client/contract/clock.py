"""Injected time: the domain never calls ``datetime.now()`` itself."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def china_date(moment: datetime) -> date:
    """The calendar day in Beijing: agreements, deadlines and periods are dated there."""
    return moment.astimezone(CHINA).date()


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after(day: date, months: int) -> date:
    """The first day after a period of ``months`` months whose first day is ``day`` (its end,
    exclusive, as ``valid_until`` is; ``day`` counted, as a validity period is written — 自 3 月
    1 日至次年 2 月 28 日 — and as README says): the same day ``months`` later, or, where that
    month has no such day, the first of the next — the month's last day is then the period's
    last (民法典 202; review 198: a year from 29 February 2024 ended on 28 February 2025, a day
    short). Periods of days counted from an event (a notice) leave its day out instead
    (``gateway.lifecycle.objection_timeline.period_end``; review 395 read README's earlier
    words so)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if day.day <= last:
        return date(year, month, day.day)
    return date(year, month, last) + timedelta(days=1)


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests and simulations move by hand."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at
