"""Rate limits: a fixed one-minute window per key, counted in the store — a region's pushes and
uploads, and anonymous queries per client address (keyed by a digest of the address)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from gateway_client.contract import RateLimited

WINDOW = timedelta(minutes=1)


class RateCounter(Protocol):
    def take(self, region: str, window_start: datetime, limit: int) -> bool:
        """Count one request in the region's window; ``False`` once ``limit`` are counted."""
        ...

    def give_back(self, region: str, window_start: datetime) -> None:
        """Uncount one request counted in the window (one another limit then refused)."""
        ...


def admit(
    counter: RateCounter, region: str, now: datetime, limit: int, message: str | None = None
) -> None:
    """Raises ``RateLimited`` (with seconds until the next window) over the limit; ``message``
    says what was limited (default: the region's pushes)."""
    start = _window_start(now)
    if not counter.take(region, start, limit):
        retry_after = max(1, int((start + WINDOW - now).total_seconds()) + 1)
        raise RateLimited(
            message or f"{region} is limited to {limit} pushes a minute",
            limit=limit,
            retry_after=retry_after,
        )


def admit_all(counter: RateCounter, limits: Sequence[tuple[str, int, str]], now: datetime) -> None:
    """Each of ``limits`` (key, limit, message) counts the request, or none does: one refused
    (or a count that failed) gives back what the others took, since the request it stops
    does nothing."""
    taken: list[str] = []
    try:
        for key, limit, message in limits:
            admit(counter, key, now, limit, message)
            taken.append(key)
    except Exception:
        for key in taken:
            counter.give_back(key, _window_start(now))
        raise


def _window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)
