"""Two people whose resident ID numbers share one mask (``110105***********X``): what a report
showing the number masked cannot tell apart unless it commits to the full number."""

from __future__ import annotations

from stdnum.cn import ric


def person(born: str, check: str = "X") -> str:
    """A valid resident ID of 东城区 born on ``born`` whose check character is ``check``."""
    for serial in range(1, 1000):
        stem = f"110105{born}{serial:03d}"
        if ric.calc_check_digit(stem + "0") == check:  # it reads the first 17 only
            return stem + check
    raise AssertionError("no serial gives that check character")


APPLICANT, OTHER = person("19800101"), person("19850505")
