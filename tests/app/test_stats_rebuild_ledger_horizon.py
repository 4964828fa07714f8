"""A statistics rebuild near the batch ledger's horizon (30 days: a month's pushes are recounted
only while the ledger holds all of its batches until the run ends): a run spanning midnight, or
one begun again after an unfinished one, neither loses nor zeroes a month's pushes (review
203)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import time_machine
from app_support import CITY
from lifecycle_support import Lifecycle, recent_entry
from test_stats_counters_route import rebuild, run_rebuild

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract import CHINA, china_date
from gateway_client.contract.clock import FixedClock


def _month_start(moment: datetime) -> datetime:
    day = china_date(moment)
    return datetime(day.year, day.month, 1, tzinfo=CHINA)


def _pushes(life: Lifecycle, month: str) -> tuple[int, int]:
    got = life.stats(CITY, month).json_body["pushes"]
    return got["batches"], got["accepted"]


def _ledger_loses(aws: Any, before: datetime) -> None:
    """What the ledger's TTL deletes: finished batches expiring before ``before``."""
    table = aws.env["CG_BATCHES_TABLE"]
    for item in aws.dynamodb.scan(TableName=table)["Items"]:
        if "state" in item and int(item["expires_at"]["N"]) < before.timestamp():
            aws.dynamodb.delete_item(TableName=table, Key={"pk": item["pk"]})


def test_a_run_restarted_after_the_horizon_passed_keeps_the_months_pushes(
    gateway: Any, aws: Any, stream: Any
) -> None:
    """A run begun late on the day before the month's batches start leaving the ledger, stopped
    after clearing and started again past midnight, does not leave the month at zero: the run
    keeps a month its own length ahead of the ledger's horizon."""
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    assert gateway.push(city, CITY, [recent_entry()]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    month = china_date(datetime.now(CHINA)).strftime("%Y-%m")
    assert _pushes(life, month) == (1, 1)
    flip = _month_start(datetime.now(CHINA)) + timedelta(days=30)  # the horizon reaches it

    bootstrap.override_clock(FixedClock(flip - timedelta(minutes=10)))
    try:
        first = rebuild(gateway, f"since={month}&limit=500")  # clearing, then it stops
        assert first.status_code == 200, first.json_body
        assert first.json_body["step"] == "clear"
        bootstrap.override_clock(FixedClock(flip + timedelta(minutes=10)))
        _ledger_loses(aws, flip + timedelta(minutes=10))
        run_rebuild(gateway, month)  # started again
        after = _pushes(life, month)
    finally:
        bootstrap.override_clock(None)

    assert after == (1, 1)


def test_a_run_spanning_the_horizon_loses_no_batch_of_a_recounted_month(
    gateway: Any, aws: Any, stream: Any
) -> None:
    """One run begun before midnight recounts the month from the ledger, but reads the ledger
    after midnight, when the month's first batches have left it (TTL): it must not count the
    month short."""
    life = Lifecycle(gateway)
    start = _month_start(datetime.now(CHINA))
    month = china_date(start).strftime("%Y-%m")
    with time_machine.travel(start + timedelta(minutes=5), tick=True):
        city = gateway.register_platform(CITY)
        assert gateway.push(city, CITY, [recent_entry()]).json_body["accepted"] == 1
    with time_machine.travel(start + timedelta(days=2), tick=True):
        assert (
            gateway.push(city, CITY, [recent_entry(decision_number="(2026)黑09执77号")]).json_body[
                "accepted"
            ]
            == 1
        )
        gateway_app.fan_out_changes(stream.event(), None)
    assert _pushes(life, month) == (2, 2)
    flip = start + timedelta(days=30)

    bootstrap.override_clock(FixedClock(flip - timedelta(minutes=30)))
    try:
        query = f"since={month}&limit=500"
        while True:
            reply = rebuild(gateway, query)
            assert reply.status_code == 200, reply.json_body
            if reply.json_body["step"] == "listings" and reply.json_body["next"]:
                bootstrap.override_clock(FixedClock(flip + timedelta(minutes=30)))
                _ledger_loses(aws, flip + timedelta(minutes=30))  # past midnight now
            if reply.json_body["next"] is None:
                break
            query = f"after={reply.json_body['next']}&limit=500"
        after = _pushes(life, month)
    finally:
        bootstrap.override_clock(None)

    assert after == (2, 2)
