"""What every benchmark part shares: sizes from the environment, memory and CPU readings, and a
counter of the AWS requests the gateway's own clients make (with DynamoDB capacity units; it
lives in ``aws_counter``, re-exported here)."""

from __future__ import annotations

import os
import resource
import threading
import time

# imported "as" themselves: re-exported, as the parts have long named them here
from bench.aws_counter import AwsCounter as AwsCounter
from bench.aws_counter import item_size as item_size
from bench.aws_counter import short_table as short_table
from bench.aws_counter import totals as totals
from bench.aws_counter import wru as wru

CITY = "430100"  # 长沙市: the source platform of every synthetic entry
PROVINCE = "430000"
REGION_NAMES = {CITY: "长沙市", PROVINCE: "湖南省"}
SUBSCRIBER_REGIONS = (
    "110000",
    "120000",
    "310000",
    "320000",
    "330000",
    "340000",
    "350000",
    "360000",
    "370000",
    "440000",
)
"""Ten subscriber provinces (one subscription each)."""
PROVINCES = (
    *("110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000"),
    *("310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000"),
    *("420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000"),
    *("530000", "540000", "610000", "620000", "630000", "640000", "650000"),
)
"""The 31 provinces of the mainland (GB/T 2260): the AWS model's subscribers, 湖南 among them."""


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value.replace("_", "")) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


# --- memory and CPU ---------------------------------------------------------------------------


def _status_kb(pid: int | str, field_name: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def rss_mb(pid: int | str = "self") -> float:
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM: the process's own peak resident set (reset by exec, unlike ru_maxrss, which a
    child started with vfork/exec may inherit from its parent)."""
    return _status_kb(pid, "VmHWM") / 1024


def ru_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (from /proc, so it works for another process)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples this process's RSS in the background: the curve shows whether memory is flat."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter() - self._start, rss_mb()))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter() - self._start, rss_mb()))

    @property
    def peak(self) -> float:
        return max((rss for _, rss in self.samples), default=0.0)

    def at_fractions(self, points: int = 5) -> list[float]:
        """RSS at evenly spaced moments (start … end) of the sampled interval."""
        if not self.samples:
            return []
        last = len(self.samples) - 1
        return [round(self.samples[round(last * i / (points - 1))][1], 1) for i in range(points)]
