"""Monthly statistics of a region's subtree: timeliness, objections, feedback, cases."""

from gateway.statistics.monthly import Month, MonthlyStats, monthly_stats

__all__ = [
    "Month",
    "MonthlyStats",
    "monthly_stats",
]
