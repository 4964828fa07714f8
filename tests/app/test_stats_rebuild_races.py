"""A statistics rebuild racing the live counting and another run (review 148): the clear step
removes the counters it recounts by name, so a live answer landing meanwhile on a kept month's
item stays (it was put back as read, that answer lost for good); a page of a run superseded while
it counts adds nothing (its counts went into the counters the later run had cleared)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY
from expression_limit import enforce_expression_limit
from lifecycle_support import Lifecycle, this_month
from test_stats_counters_route import (
    busy_month,
    delivered_to_hunan,
    feedback_body,
    rebuild,
    reports,
    run_rebuild,
)

from chalicelib import bootstrap
from chalicelib.dynamodb.stats_sources import StatsSources
from gateway_client.contract import china_date
from gateway_client.contract.clock import FixedClock


def test_a_live_answer_counted_while_the_clear_step_rewrites_its_item_is_not_lost(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hunan, delivery = delivered_to_hunan(gateway, aws, stream, receiver)
    life = Lifecycle(gateway)
    month = this_month()
    later = datetime.now(UTC) + timedelta(days=40)  # next Beijing month
    bootstrap.override_clock(FixedClock(later))
    real = StatsSources.counters
    sent: list[int] = []

    def counters(self: StatsSources, start: Any, limit: int) -> Any:
        page = real(self, start, limit)
        if not sent:  # meanwhile: the subscriber answers the delivery of last month
            body = feedback_body(delivery.delivery_id, china_date(later).isoformat())
            sent.append(
                gateway.post_signed("/v1/feedback", hunan, None, body, now=later).status_code
            )
        return page

    monkeypatch.setattr(StatsSources, "counters", counters)
    try:
        run_rebuild(gateway, china_date(later).strftime("%Y-%m"))
        rates = life.stats(CITY, month).json_body["feedback"]
    finally:
        bootstrap.override_clock(None)

    assert sent == [201]
    # the delivery of `month` was answered: 1 of 1
    assert [(f["deliveries"], f["with_feedback"]) for f in rates] == [(1, 1)], rates


def test_a_page_of_a_run_superseded_while_it_counts_adds_nothing(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    life = Lifecycle(gateway)
    busy_month(gateway, aws, stream, life, receiver)
    kept = reports(life)

    first = rebuild(gateway, f"since={this_month()}").json_body  # run 1: its clear page
    assert first["step"] == "clear"
    assert first["next"]
    real = StatsSources.listings
    later: list[Any] = []

    def listings(self: StatsSources, start: Any, limit: int) -> Any:
        page = real(self, start, limit)
        if not later:  # meanwhile the operator starts again (the first call timed out, say)
            later.append(True)
            later.append(run_rebuild(gateway, this_month()))
        return page

    monkeypatch.setattr(StatsSources, "listings", listings)
    slow = rebuild(gateway, f"after={first['next']}")  # run 1's listings page, past its check
    monkeypatch.setattr(StatsSources, "listings", real)

    assert later, "run 2 ran while run 1's listings page counted"
    assert (slow.status_code, slow.json_body["error"]["code"]) == (
        409,
        "stats_rebuild_superseded",
    )
    assert reports(life) == kept  # run 2's counts alone


def test_a_superseded_runs_clear_page_does_not_empty_the_later_runs_counts(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first call sent twice (the first timed out at API Gateway; its Lambda goes on
    clearing): the later run clears and recounts, and the earlier run's clear page, past its
    current-run check, removes nothing the later run counted (review 149: it emptied them)."""
    life = Lifecycle(gateway)
    busy_month(gateway, aws, stream, life, receiver)
    kept = reports(life)
    real = StatsSources.counters
    later: list[Any] = []

    def counters(self: StatsSources, start: Any, limit: int) -> Any:
        page = real(self, start, limit)
        if not later:  # run 1's clear page has read its items; run 2 runs whole meanwhile
            later.append(True)
            monkeypatch.setattr(StatsSources, "counters", real)
            later.append(run_rebuild(gateway, this_month()))
        return page

    monkeypatch.setattr(StatsSources, "counters", counters)
    first = rebuild(gateway, f"since={this_month()}")  # run 1: its first (clear) page
    monkeypatch.setattr(StatsSources, "counters", real)

    assert later, "run 2 ran while run 1's clear page was under way"
    assert (first.status_code, first.json_body["error"]["code"]) == (
        409,
        "stats_rebuild_superseded",
    )
    assert reports(life) == kept  # run 2's counts stand


def test_clearing_an_item_with_many_counters_keeps_within_dynamodbs_expression_limit(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy region's present item holds a counter per open commitment deadline (and per
    domain and severity in force, per objection deadline): 672 deadlines over two years. One
    REMOVE of them all (~4.8 KB) AWS refuses (an expression is at most 4 KB), and the clear
    page answered 500 for good (review 149); moto enforces no expression length: emulated."""
    life = Lifecycle(gateway)
    busy_month(gateway, aws, stream, life, receiver)
    kept = reports(life)
    statistics, now = bootstrap.container().statistics, bootstrap.container().clock.now()
    stale = {
        (CITY, "now", f"open_commitment#2027-{d // 28 + 1:02d}-{d % 28 + 1:02d}"): 1
        for d in range(336)
    }
    stale.update(
        {
            (CITY, "now", f"open_commitment#2028-{d // 28 + 1:02d}-{d % 28 + 1:02d}"): 1
            for d in range(336)
        }
    )
    for chunk in range(0, len(stale), 50):  # counted live, a few at a time
        statistics.add(dict(list(stale.items())[chunk : chunk + 50]), now)

    enforce_expression_limit(monkeypatch)
    reply = rebuild(gateway, f"since={this_month()}")
    assert reply.status_code == 200, reply.json_body
    query = f"after={reply.json_body['next']}" if reply.json_body["next"] else ""
    while query:
        reply = rebuild(gateway, query)
        assert reply.status_code == 200, reply.json_body
        query = f"after={reply.json_body['next']}" if reply.json_body["next"] else ""
    assert reports(life) == kept
