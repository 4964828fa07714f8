"""DynamoStatistics: counters per (bucket, region), read for a subtree by one query on the
``by_stats_bucket`` index; a stream record's delta applied once, however its batch is retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from integration_support import stats_sources

from chalicelib.dynamodb.batches import DynamoBatchLedger
from chalicelib.dynamodb.statistics import DynamoStatistics, items_of
from gateway.intake.push import PushResult
from gateway_client.contract import CHINA

NOW = datetime(2026, 10, 9, 2, tzinfo=UTC)
MONTH = "2026-10"


@pytest.fixture
def counters(aws) -> DynamoStatistics:  # type: ignore[no-untyped-def]
    return DynamoStatistics(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])


def test_a_subtree_reads_its_regions_counters_summed_over_shards(counters) -> None:  # type: ignore[no-untyped-def]
    counters.add(
        {
            ("441800", MONTH, "repairs"): 1,
            ("441802", MONTH, "repairs"): 2,
            ("441802#d3", MONTH, "delivered#sub-1"): 4,
            ("441802#d5", MONTH, "delivered#sub-1"): 1,
            ("420281", MONTH, "repairs"): 8,
            ("100001", MONTH, "repairs"): 16,
            ("441802", "2026-09", "repairs"): 32,
        },
        NOW,
    )

    assert counters.read("441802", MONTH) == {"441802": {"repairs": 2, "delivered#sub-1": 5}}
    assert set(counters.read("441800", MONTH)) == {"441800", "441802"}
    assert set(counters.read("440000", MONTH)) == {"441800", "441802"}
    assert set(counters.read("100000", MONTH)) == {"441800", "441802", "420281", "100001"}
    assert counters.read("100001", MONTH) == {"100001": {"repairs": 16}}
    assert counters.read("430000", MONTH) == {}


def test_each_stream_record_is_applied_once_however_the_batch_is_split(counters) -> None:  # type: ignore[no-untyped-def]
    changes = [(f"event-{i}", {("441800", MONTH, "repairs"): 1}) for i in range(150)]

    assert counters.add_once(changes[:40], NOW) == 40
    assert counters.add_once(changes[20:60], NOW) == 20  # bisected: half applied before
    assert counters.add_once(changes, NOW) == 90  # the whole batch again, in two transactions
    assert counters.add_once(changes, NOW) == 0

    assert counters.read("441800", MONTH) == {"441800": {"repairs": 150}}


def test_a_finished_push_batch_is_counted_with_its_ledger_entry(aws, counters) -> None:  # type: ignore[no-untyped-def]
    ledger = DynamoBatchLedger(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
    done = PushResult(
        batch_id="b-1",
        region="441802",
        received_at=NOW,
        accepted=3,
        duplicate=1,
        rejected=0,
        outcomes=(),
        errors=(),
    )
    ledger.claim("441802", "b-1", "h", NOW, timedelta(minutes=2))

    ledger.finish("441802", "b-1", done)

    assert counters.read("441800", MONTH) == {
        "441802": {"push#batches": 1, "push#accepted": 3, "push#duplicate": 1}
    }
    assert ledger.claim("441802", "b-1", "h", NOW, timedelta(minutes=2)) == done  # kept whole


def test_clearing_empties_every_counter_item_but_the_counters_spared(aws, counters) -> None:  # type: ignore[no-untyped-def]
    counters.add(
        {
            ("441800", MONTH, "repairs"): 5,
            ("441800", MONTH, "answered#sub-1"): 2,
            ("441800#d1", MONTH, "delivered#sub-1"): 3,
            ("441800", "now", "red#tax"): 2,
        },
        NOW,
    )
    sources = stats_sources(aws)
    cleared, start = 0, None
    counters.begin_run("run-1", NOW)
    while True:  # a page of one item at a time, as a rebuild's calls would
        page = sources.counters(start, 1)
        cleared += counters.clear(page.items, lambda _, b, a: b != "now" and a[0] in "ad", "run-1")
        if page.last is None:
            break
        start = page.last

    assert cleared == 3
    assert counters.read("441800", MONTH) == {"441800": {"answered#sub-1": 2, "delivered#sub-1": 3}}
    assert counters.read("441800", "now") == {}


def test_no_counter_is_added_to_a_month_past_its_keep_from_its_first_day():
    """Its item, first written that month at the earliest, may be gone by its TTL (1,096 days
    after its last write) from 1,096 days after the month's first day: an ``ADD`` would make
    it again holding only that change's counts (review 96 F3, review 98 F4)."""
    deltas = {("230900", "2026-12", "expiries"): -1, ("230900", "now", "in_force#x"): -1}
    first_day = datetime(2026, 12, 1, tzinfo=CHINA)

    kept = items_of(deltas, first_day + timedelta(days=1096))
    past = items_of(deltas, first_day + timedelta(days=1096, seconds=1))

    assert [bucket for _, bucket, _ in kept] == ["2026-12", "now"]
    assert [bucket for _, bucket, _ in past] == ["now"]


def test_a_change_of_more_counters_than_one_add_names_is_counted_once_in_parts(counters) -> None:  # type: ignore[no-untyped-def]
    """400 counters of one item go in parts of at most 150 (an ADD's expression stays under
    4 KB), each with its own marker: the change counts once, and again not at all."""
    delta = {("441800", "now", f"open_commitment#d{i:03d}"): 1 for i in range(400)}

    first = counters.add_once([("event-1", delta)], NOW)
    again = counters.add_once([("event-1", delta)], NOW)

    held = counters.read("441800", "now")["441800"]
    assert (first, again) == (1, 0)
    assert (len(held), sum(held.values())) == (400, 400)
