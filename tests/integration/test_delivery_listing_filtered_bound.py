"""A list of one state (``?state=dead``, the re-drive sweeps) is filtered in the index, so a
healthy history's pages are read and passed over there: those reads count toward the bound,
and the list stops among them with ``next`` instead of reading the whole history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from integration_support import attempt, delivery_for, listing

from chalicelib.dynamodb import delivery_items, delivery_list_query, delivery_listing
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_pages import DeliveryPages
from gateway.delivery import DeliveryState

SUB = "sub_hn"
HEALTHY = 200  # pages of deliveries accepted at once, a minute apart from 2026-07-01
BEFORE, AFTER = datetime(2026, 6, 30, tzinfo=UTC), datetime(2026, 7, 2, tzinfo=UTC)


def history(aws, monkeypatch, dead_at: datetime):  # type: ignore[no-untyped-def]
    """The dead delivery, its last attempt at ``dead_at``, and ``HEALTHY`` pages, over two
    shards; queries read four entries a page; and the items every query read."""
    monkeypatch.setattr(delivery_items, "SHARDS", 2)
    monkeypatch.setattr(delivery_list_query, "ENTRIES_A_QUERY", 4)
    monkeypatch.setattr(delivery_listing, "_RECORDS_AT_ONCE", 4)
    table = aws.env["CG_DELIVERIES_TABLE"]
    log = DynamoDeliveryLog(aws.dynamodb, table)
    dead, *healthy = (
        delivery_for(SUB, listing(decision_number=f"(2026)滤{n}号")) for n in range(HEALTHY + 1)
    )
    log.record(dead, attempt(500, at=dead_at), DeliveryState.DEAD)
    for n, delivery in enumerate(healthy):
        at = datetime(2026, 7, 1, n // 60, n % 60, tzinfo=UTC)
        DeliveryPages(aws.dynamodb, table, lambda at=at: at).add([delivery])
    scanned: list[int] = []
    query = aws.dynamodb.query

    def counted(**request: Any) -> Any:
        reply = query(**request)
        scanned.append(reply["ScannedCount"])
        return reply

    monkeypatch.setattr(aws.dynamodb, "query", counted)
    return log, dead, scanned


def test_a_dead_list_stops_at_the_bound_among_pages_it_passed_over(aws, monkeypatch):
    log, _, scanned = history(aws, monkeypatch, BEFORE)
    monkeypatch.setattr(delivery_listing, "MOST_READ", 40)

    found, after = log.listed(SUB, DeliveryState.DEAD, limit=1)

    assert (found, after is not None) == ([], True)
    assert sum(scanned) < HEALTHY / 3  # the bound, and a page a shard read ahead


def test_following_next_through_the_history_finds_the_dead_delivery_once(aws, monkeypatch):
    log, dead, scanned = history(aws, monkeypatch, BEFORE)
    monkeypatch.setattr(delivery_listing, "MOST_READ", 40)
    seen, after, calls = [], None, 0
    while True:
        before = sum(scanned)
        found, after = log.listed(SUB, DeliveryState.DEAD, limit=1, after=after)
        assert sum(scanned) - before < HEALTHY / 3
        seen += [v["delivery_id"] for v in found]
        calls += 1
        if after is None:
            break
    assert seen == [dead.delivery_id]
    assert calls > 3


def test_the_dead_sweep_reads_none_of_the_history(aws, monkeypatch):
    """The dead are in partitions of their own (review 319: behind a month of pages, resume,
    enable and "re-drive all" ran out of time and found nothing): the sweep reads the dead
    delivery at once, and none of the pages."""
    log, dead, scanned = history(aws, monkeypatch, AFTER)
    asked: list[bool] = []

    def out_of_time() -> bool:
        asked.append(True)
        return len(asked) > 1

    assert [v["delivery_id"] for v in log.dead(SUB, out_of_time)] == [dead.delivery_id]
    assert sum(scanned) == 1


def test_the_dead_sweep_given_time_reads_past_the_history_to_the_dead(aws, monkeypatch):
    log, dead, _ = history(aws, monkeypatch, AFTER)
    assert [v["delivery_id"] for v in log.dead(SUB, lambda: False)] == [dead.delivery_id]
