"""Hourly activity for the console's overview: pushes, delivery attempts and fan-out lag.

Counters are kept per Beijing hour (the hour a province reads its own day by), one counter per
``{region}#{name}``; this module buckets moments into hours, sums counters over a region's
subtree and shapes the reply. Storage is the adapter's (``chalicelib.dynamodb.activity``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from gateway_client.contract import CHINA, Frozen, RegionCode, is_national_source

PUSH_COUNTERS = ("accepted", "duplicate", "removed", "rejected")  # removed: listings ended
DELIVERY_COUNTERS = ("delivered", "retrying", "dead")
LAG_MAX, LAG_SUM, LAG_COUNT = "lag_max", "lag_sum", "lag_count"  # milliseconds; global
DEFAULT_HOURS, MAX_HOURS = 24, 168

Counts = Mapping[str, int]  # "{region}#{counter}" → count, as one hour's item holds them


def hour_of(moment: datetime) -> datetime:
    """The Beijing hour ``moment`` falls in (aware, +08:00)."""
    return moment.astimezone(CHINA).replace(minute=0, second=0, microsecond=0)


def hour_key(hour: datetime) -> str:
    """The hour as its storage key: ``YYYYMMDDHH`` in Beijing time."""
    return hour_of(hour).strftime("%Y%m%d%H")


def window(now: datetime, hours: int) -> list[datetime]:
    """The last ``hours`` Beijing hours up to and including the current one, oldest first."""
    last = hour_of(now)
    return [last - timedelta(hours=back) for back in range(hours - 1, -1, -1)]


def province_of(region: str) -> str:
    """The item a region's counters are kept under: its province's, or a national source's
    own (so the nation's totals never count a source's deliveries as the nation's)."""
    return region if is_national_source(region) else f"{region[:2]}0000"


def tally(entries: Iterable[tuple[str, str, int]]) -> dict[str, Counter[str]]:
    """(region, counter, n) → per province, ``{region}#{counter}`` sums (one write each)."""
    found: dict[str, Counter[str]] = {}
    for region, name, count in entries:
        if count:
            found.setdefault(province_of(region), Counter())[f"{region}#{name}"] += count
    return found


def province_totals(per_province: Mapping[str, Counts]) -> Counter[str]:
    """The nation item's share of a write: the same counters, summed per province."""
    totals: Counter[str] = Counter()
    for counts in per_province.values():
        for attribute, count in counts.items():
            region, _, name = attribute.partition("#")
            totals[f"{province_of(region)}#{name}"] += count
    return totals


class PushCounts(Frozen):
    accepted: int = 0
    duplicate: int = 0
    removed: int = 0  # removals applied (review 221: counted nowhere)
    rejected: int = 0


class DeliveryCounts(Frozen):
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


class Lag(Frozen):
    max: float | None = None
    mean: float | None = None


class ActivityHour(Frozen):
    hour: datetime
    pushes: PushCounts
    deliveries: DeliveryCounts
    fan_out_lag_seconds: Lag


class RegionActivity(Frozen):
    region: RegionCode
    pushes: PushCounts
    deliveries: DeliveryCounts


class Backlog(Frozen):
    queued: int
    in_flight: int
    delayed: int

    @classmethod
    def of(cls, queued: int, in_flight: int, delayed: int) -> Backlog:
        return cls(queued=queued, in_flight=in_flight, delayed=delayed)


class Activity(Frozen):
    region: RegionCode | None
    hours: tuple[ActivityHour, ...]
    by_region: tuple[RegionActivity, ...]
    backlog: Backlog | None


Filter = Callable[[str], bool]  # does this region's counter belong in the view?


def _split(counts: Counts, pushes: Filter, deliveries: Filter) -> dict[str, Counter[str]]:
    """One item's counters → per region, the counters the view may show."""
    rows: dict[str, Counter[str]] = {}
    for attribute, count in counts.items():
        region, sep, name = attribute.partition("#")
        if not sep or not region.isdigit():
            continue
        shown = (name in PUSH_COUNTERS and pushes(region)) or (
            name in DELIVERY_COUNTERS and deliveries(region)
        )
        if shown and count:
            rows.setdefault(region, Counter())[name] += count
    return rows


def _lag(counts: Counts) -> Lag:
    total, samples = counts.get(LAG_SUM, 0), counts.get(LAG_COUNT, 0)
    if not samples:
        return Lag()
    return Lag(max=counts.get(LAG_MAX, 0) / 1000, mean=total / samples / 1000)


def _counts(counter: Counter[str]) -> tuple[PushCounts, DeliveryCounts]:
    return (
        PushCounts(**{name: counter[name] for name in PUSH_COUNTERS}),
        DeliveryCounts(**{name: counter[name] for name in DELIVERY_COUNTERS}),
    )


def activity(
    region: str | None,
    hours: Sequence[datetime],
    counters: Mapping[str, Counts],
    lags: Mapping[str, Counts],
    pushes: Filter,
    deliveries: Filter,
    backlog: Backlog | None,
) -> Activity:
    """The reply: every hour of the window (zeros where nothing happened), and per region
    totals over the window for the regions that had any activity the view shows.

    ``counters`` and ``lags`` are keyed by ``hour_key``; ``pushes`` / ``deliveries`` say whose
    push and delivery counters the caller may see."""
    rows: list[ActivityHour] = []
    totals: dict[str, Counter[str]] = {}
    for hour in hours:
        key = hour_key(hour)
        hourly: Counter[str] = Counter()
        for where, counted in _split(counters.get(key, {}), pushes, deliveries).items():
            hourly.update(counted)
            totals.setdefault(where, Counter()).update(counted)
        pushed, delivered = _counts(hourly)
        lag = _lag(lags.get(key, {}))
        rows.append(
            ActivityHour(hour=hour, pushes=pushed, deliveries=delivered, fan_out_lag_seconds=lag)
        )
    by_region = []
    for where in sorted(totals):
        pushed, delivered = _counts(totals[where])
        by_region.append(RegionActivity(region=where, pushes=pushed, deliveries=delivered))
    return Activity(region=region, hours=tuple(rows), by_region=tuple(by_region), backlog=backlog)
