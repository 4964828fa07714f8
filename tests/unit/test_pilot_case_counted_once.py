"""Seed 004 asks each of 黄石市's sector pilots to report at least one case a month. 国税 and
地税 were given the very same domains, so one tax case met both targets (review 321): the
shipped targets count them as one pilot, and no case counts toward two sector pilots."""

from __future__ import annotations

from gateway.statistics import shipped_pilots
from gateway.statistics.cases import Case, count_cases


def test_one_tax_case_meets_one_sector_pilots_target_not_two() -> None:
    one_case = [Case("420200", "420200", "punishment", "major_tax_violation", 1)]

    judged = count_cases(one_case, "420200", shipped_pilots())

    assert judged.total == 1
    met = [p.pilot.name for p in judged.pilots if p.pilot.kind == "sector" and p.meets_target]
    assert met == ["税务（国税、地税）"]


def test_no_domain_belongs_to_two_shipped_sector_pilots() -> None:
    sectors = [p for p in shipped_pilots().pilots if p.kind == "sector"]
    domains = [d for p in sectors for d in p.domains]
    assert len(domains) == len(set(domains)), sorted(domains)
