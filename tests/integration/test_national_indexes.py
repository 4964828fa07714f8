"""The adapters that walk the region tree by key, with the nation (100000) as its root: what a
national source or the nation holds (a resync's removals), and the usage counters the nation's
monthly statistics sum (seed 004 二(二)2: 信用中国 sees what every province reports)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from integration_support import listing

from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.usage import DynamoUsage

NATION, COURT, TAX = "100000", "100001", "100002"


def numbered(i: int, region: str) -> Any:
    return listing(region=region, decision_number=f"(2026)最高法执{i}号")


def test_a_source_and_the_nation_hold_only_what_they_listed(aws: Any) -> None:
    listings = DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])
    made = {
        code: [numbered(i * 10 + n, code) for n in range(3)]
        for i, code in enumerate((NATION, COURT, TAX, "430100", "440000"))
    }
    for code, items in made.items():
        listings.write([(x, None) for x in items], code)

    def held(region: str) -> set[str]:
        return {x.listing_id for x in listings.held_by(region, ["court_defaulter"])}

    assert held(COURT) == {x.listing_id for x in made[COURT]}
    assert held(NATION) == {x.listing_id for x in made[NATION]}  # its subtree, but not relayed


def test_the_nations_usage_sums_every_province_and_source(aws: Any) -> None:
    usage = DynamoUsage(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
    now = datetime(2026, 10, 10, tzinfo=UTC)
    for region, checks in (("430100", 2), ("441802", 3), (COURT, 1), ("820000", 4)):
        usage.add(region, "2026-10", {"checks": checks}, now)

    assert usage.read(NATION, "2026-10")["checks"] == 10
    assert usage.read("430000", "2026-10")["checks"] == 2
    assert usage.read(COURT, "2026-10")["checks"] == 1
