"""One region's full statistics item (its own pushes grew it past 400 KB, review 386) costs
that item's counts only: the other items of the same transaction — another region's counters,
in a stream batch that mixes regions — are counted (review 387: ``add_once`` dropped the whole
chunk, and the exchange log committed the chunk again without any counters)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app_support import CITY, HUNAN, OTHER_CREDIT_CODE, Gateway
from lifecycle_support import fan_out_and_deliver, pushed, recent_entry
from test_statistics_item_full import full_item  # noqa: F401  (the fixture)

from chalicelib.bootstrap import container
from gateway.statistics import NOW

COUNTER = "black#court_defaulter#serious"


def test_add_once_counts_another_regions_change_beside_a_full_item(
    gateway: Gateway,
    full_item: list[int],  # noqa: F811
) -> None:
    now = datetime.now(UTC)
    container().statistics.add_once(
        [("evt-1", {(CITY, NOW, COUNTER): 1}), ("evt-2", {(HUNAN, NOW, COUNTER): 1})], now
    )
    assert full_item
    assert container().statistics.read(HUNAN, NOW).get(HUNAN, {}).get(COUNTER) == 1


def test_a_logged_change_of_another_region_keeps_its_counts_beside_a_full_item(
    gateway: Gateway,
    aws: Any,
    stream: Any,
    full_item: list[int],  # noqa: F811
) -> None:
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry())
    other = recent_entry(credit_code=OTHER_CREDIT_CODE, subject_name="长沙某某有限公司")
    pushed(gateway, hunan, HUNAN, other)
    before = container().statistics.read(HUNAN, NOW).get(HUNAN, {})

    fan_out_and_deliver(aws, stream)

    assert full_item, "the counters' transaction was tried"
    after = container().statistics.read(HUNAN, NOW).get(HUNAN, {})
    assert after != before, f"HUNAN's change counted nothing: {after}"
