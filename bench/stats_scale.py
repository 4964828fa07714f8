"""Monthly statistics at scale: the time and peak memory of building one month's report from the
counters of ``n`` listings (``gateway.statistics.rollup``), which should not grow with ``n``.

The counters are those ``n`` listings spread over a province's regions (its cities and
counties) would leave: each listing first accepted in the month with its publication delay,
in force by domain and severity, some objected to, repaired, expired, delivered and answered.
They are made outside the measurement (as the stream would have kept them); what is measured is
what ``GET /v1/stats`` does with the month's items and the present ones of the subtree.
"""

from __future__ import annotations

import time
import tracemalloc
from collections import Counter
from datetime import date
from typing import Any

from gateway.statistics import (
    DELIVERED_SHARDS,
    IN_FORCE_BLACK,
    IN_FORCE_RED,
    OPEN_OBJECTION,
    PUBLICATION,
    Month,
    MonthlyStats,
    Usage,
    shipped_pilots,
    stats_from_counters,
)

PROVINCE = "430000"
REGIONS = [f"43{city:02d}{county:02d}" for city in range(1, 15) for county in range(0, 12)]
MONTH = Month(2026, 10)
DOMAINS = ("court_defaulter", "tax", "work_safety", "food_drug", "ecology_environment")
SEVERITIES = ("serious", "relatively_serious", "general")
SUBSCRIPTIONS = [f"sub-{p}" for p in range(31)]


def counters(n: int) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """The month's and the present counters of ``n`` listings, by region (shards summed)."""
    month: dict[str, Counter[str]] = {r: Counter() for r in REGIONS}
    present: dict[str, Counter[str]] = {r: Counter() for r in REGIONS}
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        domain, severity = DOMAINS[i % len(DOMAINS)], SEVERITIES[i % len(SEVERITIES)]
        here, now = month[region], present[region]
        here[f"{PUBLICATION}#{i % 15}"] += 1
        here[f"delivered#{SUBSCRIPTIONS[i % len(SUBSCRIPTIONS)]}"] += 1
        if i % 3:
            now[f"{IN_FORCE_BLACK}#{domain}#{severity}"] += 1
        else:
            now[f"{IN_FORCE_RED}#{domain}"] += 1
        if i % 50 == 0:
            here["objection#opened"] += 1
            now[f"{OPEN_OBJECTION}#{MONTH}#2026-10-{1 + i % 28:02d}"] += 1
        if i % 40 == 0:
            here["repairs"] += 1
            here[f"answered#{SUBSCRIPTIONS[i % len(SUBSCRIPTIONS)]}"] += 1
        if i % 70 == 0:
            here["expiries"] += 1
    return month, present


def stats_scale(n: int) -> dict[str, Any]:
    """Seconds and tracemalloc peak (bytes) of one month's report over ``n`` listings'
    counters, and how many items the route would read for it (each region's month item, its
    delivery shards and its present item)."""
    month, present = counters(n)
    _report({}, {})  # the catalogue, pilots and policy loaded once, as in a warm function
    tracemalloc.start()
    started = time.perf_counter()
    report = _report(month, present)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.publication.listings == n
    return {
        "listings": n,
        "items": len(month) * DELIVERED_SHARDS + len(month) + len(present),
        "seconds": round(seconds, 6),
        "peak_bytes": peak,
    }


def _report(month: dict[str, Counter[str]], present: dict[str, Counter[str]]) -> MonthlyStats:
    regions = {s: PROVINCE for s in SUBSCRIPTIONS}
    return stats_from_counters(
        PROVINCE,
        MONTH,
        month,
        present,
        regions,
        date(2026, 11, 5),
        usage=Usage(),
        pilots=shipped_pilots(),
    )


if __name__ == "__main__":
    for size in (10_000, 100_000):
        print(stats_scale(size))
