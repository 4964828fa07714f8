"""An objection under a policy whose deadline counts from the filing (新郑 410184: 12 working
days), whose owner never acknowledges the notice, counts overdue in the statistics from the
notice's week on, as the overdue list reports it (review 276): the statistics took the deadline
whenever there was one, and counted it overdue only after the 12 working days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from app_support import GUANGDONG, Gateway, Receiver, StreamReader, black_entry
from lifecycle_support import Lifecycle, fan_out_and_deliver, listing_path, pushed

from chalicelib import bootstrap
from gateway_client.contract import china_date
from gateway_client.contract.clock import FixedClock

XINZHENG = "410184"


@pytest.fixture
def clean_clock() -> Iterator[None]:
    yield
    bootstrap.override_clock(None)


def test_filing_counted_objection_awaiting_notice_counts_overdue_after_the_week(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver, clean_clock: None
) -> None:
    life = Lifecycle(gateway)
    owner = gateway.register_platform(XINZHENG)
    guangdong = gateway.register_platform(GUANGDONG)
    made = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url, filters={})
    assert made.status_code == 201, made.json_body
    entry = black_entry(deciding_authority="新郑市人民法院", decision_number="(2024)豫0184执1号")
    code = entry["credit_code"]
    lid = pushed(gateway, owner, XINZHENG, entry)
    fan_out_and_deliver(aws, stream)
    filed = life.post(
        listing_path(code, lid) + "/objections",
        {"objection_id": "o-1", "reason": "已履行"},
        guangdong,
    )
    assert filed.status_code == 201, filed.json_body
    objection = filed.json_body["listing"]["objection"]
    assert objection["awaiting_notice"] is True, objection
    assert objection["deadline"] is not None, objection  # counted from the filing
    fan_out_and_deliver(aws, stream)
    filed_at = datetime.fromisoformat(objection["filed_at"])
    later = filed_at + timedelta(days=10)  # past the notice's week, before 12 working days
    assert china_date(later).isoformat() <= objection["deadline"], objection
    bootstrap.override_clock(FixedClock(later))
    late = life.get("/v1/objections/overdue")
    assert late.status_code == 200, late.json_body
    assert "notice" in str(late.json_body), late.json_body
    month = china_date(later).strftime("%Y-%m")
    stats = life.stats(XINZHENG, month)
    assert stats.status_code == 200, stats.json_body
    assert stats.json_body["objections"]["overdue"] == 1, stats.json_body["objections"]
