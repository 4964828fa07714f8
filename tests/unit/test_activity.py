"""Hourly activity shaping: Beijing hours, zeros where nothing happened, what a view may show."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.statistics import (
    Backlog,
    activity,
    hour_key,
    province_totals,
    tally,
    window,
)

NOW = datetime(2026, 12, 2, 16, 5, tzinfo=UTC)  # 00:05 on 3 December in Beijing


def test_the_window_is_beijing_hours_oldest_first_ending_with_the_current_one():
    hours = window(NOW, 3)
    assert [h.isoformat() for h in hours] == [
        "2026-12-02T22:00:00+08:00",
        "2026-12-02T23:00:00+08:00",
        "2026-12-03T00:00:00+08:00",
    ]
    assert hour_key(NOW) == "2026120300"


def test_tallies_group_by_province_and_the_nation_sums_per_province():
    per_province = tally(
        [("230900", "accepted", 2), ("230100", "accepted", 1), ("430000", "dead", 0)]
    )
    assert per_province == {"230000": {"230900#accepted": 2, "230100#accepted": 1}}
    assert province_totals(per_province) == {"230000#accepted": 3}


def test_every_hour_is_shown_and_only_what_the_view_may_see_is_counted():
    hours = window(NOW, 2)
    counters = {
        hour_key(NOW): {"230900#accepted": 2, "430000#delivered": 5, "230900#delivered": 1},
    }
    lags = {hour_key(NOW): {"lag_max": 3000, "lag_sum": 4000, "lag_count": 2}}
    shown = activity(
        "230000",
        hours,
        counters,
        lags,
        pushes=lambda r: r.startswith("23"),
        deliveries=lambda r: r == "230000",
        backlog=None,
    )
    first, last = shown.hours
    assert first.pushes.accepted == 0
    assert first.fan_out_lag_seconds.max is None
    assert last.pushes.accepted == 2
    assert last.deliveries.delivered == 0
    assert (last.fan_out_lag_seconds.max, last.fan_out_lag_seconds.mean) == (3.0, 2.0)
    assert [row.region for row in shown.by_region] == ["230900"]
    assert shown.backlog is None


def test_the_operators_view_carries_the_backlog():
    shown = activity(
        None, window(NOW, 1), {}, {}, lambda r: True, lambda r: True, Backlog.of(4, 1, 0)
    )
    assert shown.backlog == Backlog(queued=4, in_flight=1, delayed=0)
    assert shown.by_region == ()
