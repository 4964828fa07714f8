"""Statistics: a region's month (timeliness, objections, cases, usage) and hourly activity."""

from gateway.statistics.activity import (
    DEFAULT_HOURS,
    LAG_COUNT,
    LAG_MAX,
    LAG_SUM,
    MAX_HOURS,
    PUSH_COUNTERS,
    Activity,
    Backlog,
    Counts,
    activity,
    hour_key,
    province_of,
    province_totals,
    tally,
    window,
)
from gateway.statistics.cases import PilotTargets, shipped_pilots
from gateway.statistics.monthly import Month, MonthlyStats, Usage, monthly_stats
from gateway.statistics.upward import UpwardShare, upward_shares

__all__ = [
    "DEFAULT_HOURS",
    "LAG_COUNT",
    "LAG_MAX",
    "LAG_SUM",
    "MAX_HOURS",
    "PUSH_COUNTERS",
    "Activity",
    "Backlog",
    "Counts",
    "Month",
    "MonthlyStats",
    "PilotTargets",
    "UpwardShare",
    "Usage",
    "activity",
    "hour_key",
    "monthly_stats",
    "province_of",
    "province_totals",
    "shipped_pilots",
    "tally",
    "upward_shares",
    "window",
]
