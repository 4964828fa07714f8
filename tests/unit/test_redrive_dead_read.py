"""What is dead is read (for resume, verify, enable and the operator's re-drive) no further than
the ``REDRIVE_LIMIT``-th chosen delivery: reading on for one more would spend the call's time
on dead letters it will not re-drive (review 119 F3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.delivery import redriving
from gateway.delivery.redriving import Redriving, _parked


class _Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class _Dead:
    """2 parked, then many dead letters of failed attempts (each read costs 1 ms)."""

    def __init__(self, clock: _Clock) -> None:
        self.clock, self.pulled = clock, 0

    def dead(self, subscription_id: str, out_of_time: Any, declinable_after: Any = True):  # type: ignore[no-untyped-def]
        rows = [{"delivery_id": f"p{i}", "attempts": [{"not_sent": "paused"}]} for i in range(2)]
        rows += [{"delivery_id": f"f{i}", "attempts": [{"status": 500}]} for i in range(20_000)]
        for row in rows:
            if out_of_time():
                return
            self.pulled += 1
            self.clock.at += timedelta(milliseconds=1)
            yield row


def test_dead_stops_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 2)
    clock = _Clock()
    r = Redriving.__new__(Redriving)
    r.clock, r.deliveries = clock, _Dead(clock)  # type: ignore[assignment]
    started = clock.now()

    ids = r._dead("s", _parked, started, False)

    assert ids == ["p0", "p1"]
    # before: itertools.islice(picked, REDRIVE_LIMIT) stopped after the 2nd parked one
    assert r.deliveries.pulled == 2, r.deliveries.pulled  # type: ignore[attr-defined]
    assert clock.now() - started < timedelta(seconds=1), clock.now() - started
