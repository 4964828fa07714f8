"""When to try a failed delivery again, and when an endpoint has failed long enough to stop."""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_DELAY = timedelta(hours=11)  # one SQS visibility timeout, with room to spare
BACK_OFF_STATUSES = frozenset({429, 502, 503, 504})  # the receiver asks us to slow down
JITTER = 0.1  # ±10 %, so endpoints that recover together are not hit together
LONGEST_ASKED = 366 * 86400  # a Retry-After beyond a year is read as a year (no overflow)


@dataclass(frozen=True)
class EndpointHealth:
    """An endpoint failing without a success for ``disable_after`` is disabled; a warning
    goes out once it has failed for ``warn_after``."""

    warn_after: timedelta = timedelta(days=1)
    disable_after: timedelta = timedelta(days=5)


def retry_after(header: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; ``None`` when absent or unreadable —
    whatever an endpoint sends (review 223: a year past 9999, or 5,000 digits, raised and
    failed the whole delivery invocation)."""
    if not header:
        return None
    text = header.strip()
    if text.isascii() and text.isdigit():
        # more digits than the longest wait has are that wait (int() refuses 4,300 digits)
        seconds = int(text) if len(text) <= len(str(LONGEST_ASKED)) else LONGEST_ASKED
        return timedelta(seconds=min(seconds, LONGEST_ASKED))
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:  # the asctime form carries no zone: HTTP dates are GMT
            when = when.replace(tzinfo=UTC)
        return min(max(when - now, timedelta(0)), timedelta(seconds=LONGEST_ASKED))
    except (TypeError, ValueError, OverflowError):
        return None


def next_delay(
    schedule: Sequence[timedelta],
    attempt: int,
    status: int,
    asked: timedelta | None,
    roll: float,
) -> timedelta:
    """The wait before attempt ``attempt + 1``: the schedule's step with jitter (``roll`` in
    [0, 1)), never less than what a 429/502/503/504 asked for, never more than ``MAX_DELAY``."""
    base = schedule[min(attempt, len(schedule)) - 1]
    delay = base * (1 - JITTER + 2 * JITTER * roll)
    if status in BACK_OFF_STATUSES and asked is not None:
        delay = max(delay, asked)
    return min(delay, MAX_DELAY)
