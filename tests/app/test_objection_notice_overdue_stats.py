"""An objection another region filed, whose owner never acknowledges the notice, is late in
GET /v1/objections/overdue (step ``notice``) and ``overdue`` in the owner's monthly statistics
too, from the notice's week on: it was never counted there (review 275), so an owner that let
its endpoint fail (or had none) kept its overdue figure at 0 for ever; and under a policy whose
deadline counts from the filing (新郑 410184: 12 working days) it was counted only once that
deadline passed (review 276)."""

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

XINZHENG = "410184"


@pytest.fixture
def clean_clock() -> Iterator[None]:
    yield
    bootstrap.override_clock(None)


def _objected(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver, owner: str, **entry: Any
) -> tuple[Lifecycle, dict[str, Any]]:
    """``owner`` lists, 广东 (a recipient, not the owner's chain) objects; the owner subscribes
    to nothing, so no notice is ever acknowledged. The objection as filed."""
    life = Lifecycle(gateway)
    signer = gateway.register_platform(owner)
    guangdong = gateway.register_platform(GUANGDONG)
    made = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url, filters={})
    assert made.status_code == 201, made.json_body
    listed = black_entry(**entry)
    lid = pushed(gateway, signer, owner, listed)
    fan_out_and_deliver(aws, stream)
    body = {"objection_id": "o-1", "reason": "已履行"}
    filed = life.post(listing_path(listed["credit_code"], lid) + "/objections", body, guangdong)
    assert filed.status_code == 201, filed.json_body
    fan_out_and_deliver(aws, stream)
    return life, filed.json_body["listing"]["objection"]


def _late(life: Lifecycle, at: datetime) -> None:
    bootstrap.override_clock(FixedClock(at))
    late = life.get("/v1/objections/overdue")
    assert late.status_code == 200, late.json_body
    assert "notice" in str(late.json_body), late.json_body  # the gateway itself reports it


def test_an_unacknowledged_objection_counts_overdue_in_the_owners_statistics(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver, clean_clock: None
) -> None:
    life, objection = _objected(gateway, aws, stream, receiver, CITY)
    filed_at = datetime.fromisoformat(objection["filed_at"])
    later = filed_at + timedelta(days=25)  # past the week the notice is due in, and 20 days
    _late(life, later)

    month = china_date(filed_at).strftime("%Y-%m")
    for asked in {month, china_date(later).strftime("%Y-%m")}:
        stats = life.stats(CITY, asked)
        assert stats.status_code == 200, stats.json_body
        assert stats.json_body["objections"]["opened"] >= (1 if asked == month else 0)
        assert stats.json_body["objections"]["overdue"] == 1, (asked, stats.json_body)


def test_filing_counted_objection_awaiting_notice_counts_overdue_after_the_week(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver, clean_clock: None
) -> None:
    life, objection = _objected(
        gateway,
        aws,
        stream,
        receiver,
        XINZHENG,
        deciding_authority="新郑市人民法院",
        decision_number="(2024)豫0184执1号",
    )
    assert objection["awaiting_notice"] is True, objection
    assert objection["deadline"] is not None, objection  # counted from the filing
    later = datetime.fromisoformat(objection["filed_at"]) + timedelta(days=10)
    assert china_date(later).isoformat() <= objection["deadline"], objection  # not yet
    _late(life, later)

    stats = life.stats(XINZHENG, china_date(later).strftime("%Y-%m"))
    assert stats.status_code == 200, stats.json_body
    assert stats.json_body["objections"]["overdue"] == 1, stats.json_body["objections"]
