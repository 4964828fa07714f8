"""The move of a contested open-ended listing, whose objections span four years, makes a
stream record whose statistics delta names more counter items than one transaction holds (its
months under the old owner, taken back, and under the new one, added). The fan-out sized its
chunk by every month, past the counters' keep too, took nothing and looped on the empty chunk
for good: the move was never logged or delivered, nor any later change on its shard (review
358). Now such a change is logged alone and its counters added apart (``add_once``); the loop
is watched here so that a regression fails, not hangs."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from app_support import CITY, CREDIT_CODE
from lifecycle_support import (
    XINZHENG,
    Lifecycle,
    add_months,
    china_today,
    listing_path,
    pushed,
    recent_entry,
)

import app as gateway_app
from chalicelib import bootstrap
from chalicelib.dynamodb import exchange_log
from gateway_client.contract.clock import CHINA, FixedClock


class EmptyChunkLoop(Exception):
    pass


def test_reassigning_a_listing_with_four_years_of_objections_is_logged(  # type: ignore[no-untyped-def]
    gateway, aws, stream, monkeypatch: pytest.MonkeyPatch
) -> None:
    life = Lifecycle(gateway)
    squatter = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)
    entry = recent_entry(decision_number="(2026)黑09执77号", open_ended=True)  # no term
    lid = pushed(gateway, squatter, XINZHENG, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    start = china_today()
    try:
        # an objection filed and decided (upheld) every month for four years, as the subject
        # (through the operator) may file at any time
        for m in range(1, 50):
            at = add_months(start, m)
            moment = datetime.combine(at, time(10), tzinfo=CHINA)
            bootstrap.override_clock(FixedClock(moment))
            assert life.file_objection(CREDIT_CODE, lid, f"o-{m}").status_code == 201
            later = moment + timedelta(hours=1)
            bootstrap.override_clock(FixedClock(later))
            decided = life.decide(
                None, CREDIT_CODE, lid, f"o-{m}", "upheld", source_updated_at=later.isoformat()
            )
            assert decided.status_code == 200, decided.json_body
            if m % 10 == 0:
                gateway_app.fan_out_changes(stream.event(), None)
        gateway_app.fan_out_changes(stream.event(), None)  # every objection counted: fine

        moved_at = later + timedelta(hours=1)
        bootstrap.override_clock(FixedClock(moved_at))
        body = {
            "corrected_entry": {
                **entry,
                "origin_region": CITY,
                "source_updated_at": moved_at.isoformat(),
            },
            "note": "认定部门为七台河市",
        }
        moved = life.post(listing_path(CREDIT_CODE, lid) + "/reassignment", body)
        assert moved.status_code == 200, moved.json_body

        real_take = exchange_log.take
        empty: list[int] = []

        def watched(pending, tallies):  # type: ignore[no-untyped-def]
            chunk = real_take(pending, tallies)
            if pending and not chunk:
                empty.append(len(pending))
                if len(empty) >= 50:
                    raise EmptyChunkLoop(f"take() gave an empty chunk {len(empty)} times")
            return chunk

        monkeypatch.setattr(exchange_log, "take", watched)
        try:
            gateway_app.fan_out_changes(stream.event(), None)
        except Exception:  # the handler wraps it (observability.HandlerFailed)
            if len(empty) < 50:
                raise
        assert not empty, (
            f"take() gave an empty chunk {len(empty)} times for the reassignment's change: "
            "append_with_counts loops for good, the stream batch never finishes"
        )
        month = add_months(start, 30).strftime("%Y-%m")  # within the counters' keep
        moved_to, moved_from = (life.stats(x, month).json_body for x in (CITY, XINZHENG))
    finally:
        bootstrap.override_clock(None)

    held = life.lookup(CREDIT_CODE).json_body["listings"]
    assert [v["listing"]["origin_region"] for v in held] == [CITY]
    # the counters went with the listing, added apart from its change
    assert moved_to["objections"] == {"opened": 1, "decided": 1, "overdue": 0}
    assert moved_from["objections"] == {"opened": 0, "decided": 0, "overdue": 0}
