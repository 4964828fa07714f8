"""The demo asks for what the gateway counts: China's day and month, not UTC's. From 16:00 to
24:00 UTC they differ (review 34: on a month's last evening the demo asked the statistics for
the month before, and its upward-reporting check failed)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine

from infra.local import demo_national

LAST_EVENING = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Beijing


class Operator:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def call(self, method: str, path: str, body: object) -> dict[str, Any]:
        self.paths.append(path)
        return {"upward": []}


def test_the_national_demo_asks_for_the_beijing_month(monkeypatch: pytest.MonkeyPatch) -> None:
    accepted = {"accepted": 1, "outcomes": [{"listing_id": "x"}], "errors": []}
    court = SimpleNamespace(push=lambda *_: SimpleNamespace(status=200, body=accepted))
    monkeypatch.setattr(demo_national, "_court_source", lambda *_: court)
    monkeypatch.setattr(
        demo_national, "http_request", lambda *_, **__: SimpleNamespace(status=404, body={})
    )
    operator = Operator()
    nation = SimpleNamespace(stop=lambda: None, received=[], subscription_id="sub_nation")

    with time_machine.travel(LAST_EVENING, tick=False):
        demo_national.run_national("http://gw", operator, nation, lambda: None, lambda _: None)

    [asked] = [p for p in operator.paths if p.startswith("/v1/stats")]
    assert asked.endswith("month=2026-12")
