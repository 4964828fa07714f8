"""The delivery list queries 24 partitions (ordinary, dead, declinable), all read when the merge
starts: each query asking for ``max(limit, 100)`` entries, ``limit=500`` (the route's maximum)
read up to 12,000 index entries before the first ``MOST_READ`` (5,000) check, which then found
the bound spent and answered no delivery (review 322). Each partition asks for its share now.

Scaled down by 50 with the same ratios: limit 10, MOST_READ 100."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from integration_support import delivery_for, listing

from chalicelib.dynamodb import delivery_list_query, delivery_listing
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_pages import DeliveryPages
from gateway.delivery import Attempt, DeliveryState

SUB = "sub_hn"
HEALTHY, HELD = 200, 200


def test_a_full_page_list_answers_deliveries_on_its_first_call(aws: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(delivery_list_query, "ENTRIES_A_QUERY", 4)
    monkeypatch.setattr(delivery_listing, "MOST_READ", 100)
    table = aws.env["CG_DELIVERIES_TABLE"]
    log = DynamoDeliveryLog(aws.dynamodb, table)
    deliveries = [
        delivery_for(SUB, listing(decision_number=f"(2026)滤{n}号")) for n in range(HEALTHY + HELD)
    ]
    for n, delivery in enumerate(deliveries[:HEALTHY]):
        at = datetime(2026, 7, 1, n // 60, n % 60, tzinfo=UTC)
        DeliveryPages(aws.dynamodb, table, lambda at=at: at).add([delivery])
    for n, delivery in enumerate(deliveries[HEALTHY:]):  # held back while off (an outage)
        at = datetime(2026, 7, 2, tzinfo=UTC) + timedelta(seconds=n)
        held = Attempt(at=at, status=0, latency_ms=0, response_excerpt="", not_sent="disabled")
        log.record(delivery, held, DeliveryState.DEAD)
    scanned: list[int] = []
    query = aws.dynamodb.query

    def counted(**request: Any) -> Any:
        reply = query(**request)
        scanned.append(reply["ScannedCount"])
        return reply

    monkeypatch.setattr(aws.dynamodb, "query", counted)

    found, after = log.listed(SUB, None, limit=10)

    assert found, (
        f"the first call of a full-page list answered no delivery (next={after}) having read "
        f"{sum(scanned)} index entries in {len(scanned)} queries (MOST_READ 100)"
    )
    assert sum(scanned) <= 100 + 8 * 10, f"one call read {sum(scanned)} index entries"
