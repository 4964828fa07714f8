"""Versions and decision dates from the future are refused, and so are periods not in force.

A version decides which write wins, so a source stamp far ahead of the gateway's clock would
freeze a listing against every real correction until that day comes. The signature tolerance is
the allowance for clock skew; a decision (认定) cannot have been taken, nor the dishonest conduct
have ended (``conduct_ended_on``), after today in Beijing. A listing is exchanged while it is in
force: one whose period begins after today would be punished early (pushed when it starts),
and one whose period ended before today would be delivered in force until the next tick
expired it, holding a person's data that retention may already have to erase.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from gateway.lifecycle.requests import Stamped
from gateway.lifecycle.retention import RETENTION_YEARS, held_retention_over, retention_over
from gateway_client.contract import (
    BadRequest,
    FutureDate,
    Listing,
    ListingEntry,
    china_date,
    effective_valid_until,
)

FUTURE_VERSION = "future_version"
FUTURE_DATE = "future_date"
PERIOD_ENDED = "period_ended"


class FutureVersion(BadRequest):
    """A source version (``source_updated_at``) lies ahead of the gateway's clock."""

    code = FUTURE_VERSION


class PeriodEnded(BadRequest):
    """A corrected entry's period has ended: it would be stored and sent as in force."""

    code = PERIOD_ENDED


def version_problem(
    stamped_at: datetime, now: datetime, tolerance: timedelta, field: str = "source_updated_at"
) -> str | None:
    """A message when ``stamped_at`` is more than ``tolerance`` ahead of ``now``."""
    if stamped_at <= now + tolerance:
        return None
    return (
        f"{field} {stamped_at.isoformat()} is ahead of the gateway's clock "
        f"({now.isoformat()}) by more than {int(tolerance.total_seconds())} s"
    )


def date_problem(day: date, now: datetime, name: str = "decided_on") -> str | None:
    today = china_date(now)
    if day <= today:
        return None
    return f"{name} {day.isoformat()} is after today ({today.isoformat()}, Beijing)"


def entry_problems(
    entry: ListingEntry,
    now: datetime,
    tolerance: timedelta,
    retention_years: int = RETENTION_YEARS,
    held: Listing | None = None,
) -> list[tuple[str, str, str]]:
    """(field, code, message) for each time in ``entry`` that lies in the future, and for a
    period not in force today or a retention over (``retention_years``, the purge's; of the
    ``held`` listing it would be the next version of, too)."""
    problems: list[tuple[str, str, str]] = []
    version = version_problem(entry.source_updated_at, now, tolerance)
    if version is not None:
        problems.append(("source_updated_at", FUTURE_VERSION, version))
    decided = date_problem(entry.decided_on, now)
    if decided is not None:
        problems.append(("decided_on", FUTURE_DATE, decided))
    starts = date_problem(entry.valid_from, now, "valid_from")
    if starts is not None:
        problems.append(("valid_from", FUTURE_DATE, f"{starts}: push it when it takes effect"))
    ends = effective_valid_until(entry)
    if ends is not None and ends <= china_date(now):
        given = entry.valid_until is not None
        problems.append(
            (
                "valid_until" if given else "valid_from",
                PERIOD_ENDED,
                f"the period {'ended' if given else 'counted from valid_from ended'} on "
                f"{ends.isoformat()}, not after today ({china_date(now).isoformat()}, Beijing): "
                "nothing in force to exchange (a held listing is ended by a removal)",
            )
        )
    if entry.conduct_ended_on is not None:  # the conduct cannot have ended after today either
        ended = date_problem(entry.conduct_ended_on, now, "conduct_ended_on")
        if ended is not None:
            problems.append(("conduct_ended_on", FUTURE_DATE, ended))
    if entry.extension is not None:  # nor a period have been extended
        extended = date_problem(entry.extension.decided_on, now, "extension.decided_on")
        if extended is not None:
            problems.append(("extension.decided_on", FUTURE_DATE, extended))
    settled = entry.commitment.outcome_on if entry.commitment else None
    if settled is not None:  # nor a promise been kept or broken
        late = date_problem(settled, now, "commitment.outcome_on")
        if late is not None:
            problems.append(("commitment.outcome_on", FUTURE_DATE, late))
    erased = retention_problem(entry, china_date(now), retention_years, held)
    if erased is not None:
        problems.append(erased)
    return problems


def retention_problem(
    entry: ListingEntry, today: date, retention_years: int, held: Listing | None = None
) -> tuple[str, str, str] | None:
    """(field, code, message) when ``entry`` is a commitment involving an individual — by
    itself, or as the ``held`` listing it updates did (review 299: an update naming nobody
    was taken in, and its acceptance kept the persons named before a year more) — whose
    retention is over (``retention_over``); or when ``held`` is any listing involving an
    individual whose retention is over (``held_retention_over``)."""
    erased = retention_over(entry, today, retention_years, held)
    if erased is None:
        over = None if held is None else held_retention_over(held, entry, today, retention_years)
        return None if over is None else _erased_listing(over, retention_years)
    return (
        "commitment.outcome_on",
        PERIOD_ENDED,
        f"a commitment involving an individual is erased {retention_years} years after "
        f"its outcome: this one's ended on {erased.isoformat()}, so it is not taken in "
        "anew",
    )


def _erased_listing(erased: date, retention_years: int) -> tuple[str, str, str]:
    return (
        "decision_number",
        PERIOD_ENDED,
        f"this listing involves an individual and stopped applying; it is erased "
        f"{retention_years} years on, which came on {erased.isoformat()}, so no version of it "
        "is taken in anew",
    )


def check_action(
    action: Stamped,
    now: datetime,
    tolerance: timedelta,
    corrected: ListingEntry | None = None,
    retention_years: int = RETENTION_YEARS,
) -> None:
    """Refuse a lifecycle action (decision, repair) stamped in the future, or a correction
    whose entry is.

    Raises
    ------
    FutureVersion, FutureDate, PeriodEnded
        With ``path`` naming the field (and the entry's own code: as a push would).
    """
    version = version_problem(action.source_updated_at, now, tolerance)
    if version is not None:
        raise FutureVersion(version, path="source_updated_at")
    if corrected is not None:
        check_corrected(corrected, now, tolerance, retention_years)


def check_corrected(
    corrected: ListingEntry,
    now: datetime,
    tolerance: timedelta,
    retention_years: int = RETENTION_YEARS,
    held: Listing | None = None,
) -> None:
    """Refuse a corrected entry as its push would be refused (the first problem, its ``path``
    under ``corrected_entry``), as the next version of ``held`` where given."""
    problems = entry_problems(corrected, now, tolerance, retention_years, held)
    for name, code, message in problems:
        error = _ERRORS[code]
        raise error(message, path=f"corrected_entry.{name}")


_ERRORS: dict[str, type[BadRequest]] = {
    FUTURE_VERSION: FutureVersion,
    FUTURE_DATE: FutureDate,
    PERIOD_ENDED: PeriodEnded,
}
