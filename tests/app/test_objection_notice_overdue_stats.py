"""An objection another region filed, whose owner never acknowledges the notice, is late in
GET /v1/objections/overdue (step ``notice``) and ``overdue`` in the owner's monthly statistics
too (review 275): it was never counted there, so an owner that let its endpoint fail (or had
none) kept its overdue figure at 0 for ever."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, GUANGDONG, Gateway, Receiver, StreamReader, black_entry
from lifecycle_support import Lifecycle, fan_out_and_deliver, listing_path, pushed

from chalicelib import bootstrap
from gateway_client.contract import china_date
from gateway_client.contract.clock import FixedClock


@pytest.fixture
def clean_clock() -> Iterator[None]:
    yield
    bootstrap.override_clock(None)


def test_an_unacknowledged_objection_counts_overdue_in_the_owners_statistics(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver, clean_clock: None
) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    guangdong = gateway.register_platform(GUANGDONG)
    made = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url, filters={})
    assert made.status_code == 201, made.json_body  # the owner (CITY) subscribes to nothing
    entry = black_entry()
    code = entry["credit_code"]
    lid = pushed(gateway, city, CITY, entry)
    fan_out_and_deliver(aws, stream)
    filed = life.post(
        listing_path(code, lid) + "/objections",
        {"objection_id": "o-1", "reason": "已履行"},
        guangdong,
    )
    assert filed.status_code == 201, filed.json_body
    fan_out_and_deliver(aws, stream)
    filed_at = datetime.fromisoformat(filed.json_body["listing"]["objection"]["filed_at"])
    month = china_date(filed_at).strftime("%Y-%m")

    later = filed_at + timedelta(days=25)  # past the week the notice is due in, and 20 days
    bootstrap.override_clock(FixedClock(later))
    late = life.get("/v1/objections/overdue")
    assert late.status_code == 200, late.json_body
    assert "notice" in str(late.json_body)  # the gateway itself reports it late

    for asked in {month, china_date(later).strftime("%Y-%m")}:
        stats = life.stats(CITY, asked)
        assert stats.status_code == 200, stats.json_body
        assert stats.json_body["objections"]["opened"] >= (1 if asked == month else 0)
        assert stats.json_body["objections"]["overdue"] == 1, (asked, stats.json_body["objections"])
