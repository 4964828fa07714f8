"""A delivery list whose index query stops (its Limit) inside a run of entries of one time —
the pages of one queueing — marks the query's last key. A call that stops at the read bound
never answers the place it began at: following ``next`` ends, each ``next`` new (review 297:
the next call, reading the same run from the same time, found the same mark first and stopped
again at the real entry of the same key, answering the same ``next`` for ever)."""

from __future__ import annotations

from datetime import UTC, datetime

from integration_support import delivery_for, listing

from chalicelib.dynamodb import delivery_items, delivery_list_query, delivery_listing
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_pages import DeliveryPages
from gateway.delivery import DeliveryState

SUB = "sub_hn"
PAGES = 40  # queued at one time (one queueing's pages), spread over two shards
AT = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)


def _history(aws, monkeypatch):  # type: ignore[no-untyped-def]
    # scaled down as tests/integration/test_delivery_listing_filtered_bound.py scales it
    monkeypatch.setattr(delivery_items, "SHARDS", 2)
    monkeypatch.setattr(delivery_list_query, "ENTRIES_A_QUERY", 4)
    monkeypatch.setattr(delivery_listing, "_RECORDS_AT_ONCE", 4)
    monkeypatch.setattr(delivery_listing, "MOST_READ", 20)
    table = aws.env["CG_DELIVERIES_TABLE"]
    pages = DeliveryPages(aws.dynamodb, table, lambda: AT)
    for n in range(PAGES):  # one page each (their deliveries' records gone, or never kept)
        pages.add([delivery_for(SUB, listing(decision_number=f"(2026)环{n}号"))])
    return DynamoDeliveryLog(aws.dynamodb, table)


def _follow(log, state):  # type: ignore[no-untyped-def]
    after, nexts = None, []
    for _ in range(3 * PAGES):
        _, after = log.listed(SUB, state, limit=1, after=after)
        if after is None:
            return nexts, True
        nexts.append(after.cursor())
    return nexts, False


def test_following_next_through_one_queueing_ends(aws, monkeypatch):
    log = _history(aws, monkeypatch)
    nexts, ended = _follow(log, None)
    repeated = [c for i, c in enumerate(nexts[1:]) if c == nexts[i]]
    assert not repeated, f"next answered again unchanged {len(repeated)} times"
    assert ended


def test_following_next_of_a_delivered_list_ends(aws, monkeypatch):
    log = _history(aws, monkeypatch)
    nexts, ended = _follow(log, DeliveryState.DELIVERED)
    repeated = [c for i, c in enumerate(nexts[1:]) if c == nexts[i]]
    assert not repeated, f"next answered again unchanged {len(repeated)} times"
    assert ended
