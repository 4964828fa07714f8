"""A tick run days late dates the expiry it writes as every lookup dated it before it ran
(``as_on``): the first moment of the period's end day. It stamped its own run time, so the
history delivered differed from the one shown, the month counted the expiry late, and a red
listing's retention ran from the late day (review 290)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway, black_entry
from lifecycle_support import Lifecycle, add_months, china_today, pushed

import app as gateway_app
from chalicelib import bootstrap
from chalicelib.bootstrap import container
from gateway.lifecycle.retention import retention_start
from gateway_client.contract.clock import CHINA, FixedClock


@pytest.fixture
def life(gateway: Gateway) -> Iterator[Lifecycle]:
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def _last_step(gateway: Gateway, code: str) -> tuple[str, str, str]:
    reply = gateway.client.http.get(
        f"/v1/subjects/{code}?purpose=supervision", headers=gateway.operator()
    )
    assert reply.status_code == 200, reply.json_body
    [view] = reply.json_body["listings"]
    step = view["listing"]["history"][-1]
    return view["listing"]["status"], step["event"], step["at"]


def test_a_late_tick_records_the_expiry_as_lookups_showed_it(
    gateway: Gateway, life: Lifecycle
) -> None:
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    pushed(gateway, signer, CITY, entry)
    midnight = datetime.combine(ends, time(), CHINA)

    bootstrap.override_clock(FixedClock(midnight + timedelta(hours=1)))
    before = _last_step(gateway, entry["credit_code"])
    late = midnight + timedelta(days=3, hours=5)  # the schedule was down for three days
    bootstrap.override_clock(FixedClock(late))
    assert life.tick(late).json_body["expired"] == 1
    after = _last_step(gateway, entry["credit_code"])

    assert before == ("expired", "expired", midnight.isoformat())
    # the stored (and delivered) expiry is the one lookups answered: the period's end
    assert after == before


def test_a_late_tick_does_not_move_a_red_listing_s_retention(
    gateway: Gateway, life: Lifecycle
) -> None:
    """A red listing naming a responsible person is erased five years after it stopped
    applying: its period's end, which every lookup answered from that day — not the day a tick
    that was down for ten days got round to writing it."""
    ends = china_today() + timedelta(days=1)
    entry = black_entry(
        kind="red",
        domain="trustworthiness_model",
        severity=None,
        reason="诚信经营，获评诚信典型",
        legal_basis="",
        deciding_authority="七台河市发展和改革委员会",
        decision_number="七发改信〔2026〕1号",
        valid_until=ends.isoformat(),
        responsible_persons=[{"name": "张某", "role": "legal_representative"}],
    )
    entry.pop("legal_basis")
    signer = gateway.register_platform(CITY)
    lid = pushed(gateway, signer, CITY, entry)
    midnight = datetime.combine(ends, time(), CHINA)
    late = midnight + timedelta(days=10)
    bootstrap.override_clock(FixedClock(late))
    assert life.tick(late).json_body["expired"] == 1

    held = container().listings.current([(entry["credit_code"], lid)])[lid]
    assert held.status.value == "expired"
    assert retention_start(held) == ends  # not the late tick's day


def test_a_late_tick_counts_the_expiry_in_the_month_the_period_ended(
    gateway: Gateway, life: Lifecycle, stream: Any
) -> None:
    """The monthly statistics count an expiry in the month of its step: a period ending on the
    month's last day, expired (as every lookup said) that day, is counted in the next month
    when the tick runs two days late."""
    today = china_today()
    last = add_months(today.replace(day=1), 1) - timedelta(days=1)
    assert last > today  # the tests' fixed day (tests/conftest.py) leaves days in its month
    entry = black_entry(valid_until=last.isoformat())
    signer = gateway.register_platform(CITY)
    pushed(gateway, signer, CITY, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    late = datetime.combine(last + timedelta(days=2), time(12), CHINA)
    bootstrap.override_clock(FixedClock(late))
    assert life.tick(late).json_body["expired"] == 1
    gateway_app.fan_out_changes(stream.event(), None)

    ended_month = last.strftime("%Y-%m")
    reply = life.stats(CITY, ended_month)
    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["expiries"] == 1  # the month it expired in, as lookups showed
