"""Monthly statistics of a region's subtree: timeliness, objections, feedback, cases, usage."""

from gateway.statistics.cases import PilotTargets, shipped_pilots
from gateway.statistics.monthly import Month, MonthlyStats, Usage, monthly_stats
from gateway.statistics.upward import UpwardShare, upward_shares

__all__ = [
    "Month",
    "MonthlyStats",
    "PilotTargets",
    "UpwardShare",
    "Usage",
    "monthly_stats",
    "shipped_pilots",
    "upward_shares",
]
