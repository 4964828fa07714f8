"""The daily tick removes the statistics' present counters that have fallen to 0. Each open
commitment counts under its deadline day and each open objection under its own, and nothing
removed a counter once it was back at 0. So a region's ``stats#now#`` item only grew, toward
DynamoDB's 400 KB, past which its counts are lost (review 386). A removed 0 reads as the absent
counter it stands for: the reports do not change. A counter counted again between the tick's
read and its removal stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, HUNAN, PROVINCE, Gateway, StreamReader
from expression_limit import enforce_expression_limit
from lifecycle_support import Lifecycle, this_month
from test_commitment_routes import TODAY, commitment

import app as gateway_app
from chalicelib import bootstrap
from chalicelib.dynamodb.statistics import DynamoStatistics

_SETTLED = 230  # more than one removal's worth of names (150)


def _made(number: int, **outcome: Any) -> dict[str, Any]:
    entry = commitment(2 if outcome else 1, **outcome)
    entry["decision_number"] = f"七政服承诺〔2026〕{number + 100}号"
    entry["commitment"]["deadline"] = (TODAY + timedelta(days=number + 1)).isoformat()
    return entry


def _push(gateway: Gateway, city: Any, entries: list[dict[str, Any]]) -> None:
    for first in range(0, len(entries), 120):
        part = entries[first : first + 120]
        reply = gateway.push(city, CITY, part)
        assert reply.json_body["accepted"] == len(part), reply.json_body


def _city_now(aws: Any) -> dict[str, int]:
    item = aws.dynamodb.get_item(
        TableName=aws.env["CG_BATCHES_TABLE"], Key={"pk": {"S": f"stats#now#{CITY}"}}
    )["Item"]
    return {k: int(v["N"]) for k, v in item.items() if "N" in v and k != "expires_at"}


def test_the_tick_removes_the_zeros_and_no_report_changes(
    gateway: Gateway, aws: Any, stream: StreamReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    _push(gateway, city, [_made(n) for n in range(_SETTLED + 1)])  # the last stays open
    gateway_app.fan_out_changes(stream.event(), None)
    kept = {"outcome": "kept", "outcome_on": TODAY.isoformat()}
    _push(gateway, city, [_made(n, **kept) for n in range(_SETTLED)])
    gateway_app.fan_out_changes(stream.event(), None)
    open_one = f"open_commitment#{(TODAY + timedelta(days=_SETTLED + 1)).isoformat()}"
    before = _city_now(aws)
    assert sorted(v for k, v in before.items() if k.startswith("open_commitment#")) == [0] * (
        _SETTLED
    ) + [1]
    life = Lifecycle(gateway)
    reports = [life.stats(r, this_month()).json_body for r in (CITY, PROVINCE)]
    enforce_expression_limit(monkeypatch)

    ticked = life.tick().json_body

    assert ticked["zero_counters_dropped"] == _SETTLED
    assert _city_now(aws) == {k: v for k, v in before.items() if v}
    assert _city_now(aws)[open_one] == 1
    assert [life.stats(r, this_month()).json_body for r in (CITY, PROVINCE)] == reports
    assert life.tick().json_body["zero_counters_dropped"] == 0


def test_a_zero_counted_again_after_the_read_stays(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    statistics = bootstrap.container().statistics
    names = [f"open_commitment#2027-01-0{d}" for d in (1, 2)]
    statistics.add({(CITY, "now", name): 1 for name in names}, now)
    statistics.add({(CITY, "now", name): -1 for name in names}, now)
    read = DynamoStatistics._query

    def counted_meanwhile(self: DynamoStatistics, region: str, bucket: str) -> Any:
        items = list(read(self, region, bucket))
        self.add({(CITY, "now", names[0]): 1}, now)  # a commitment made between read and write
        return iter(items)

    monkeypatch.setattr(DynamoStatistics, "_query", counted_meanwhile)
    assert statistics.drop_zeros() == 0  # the slice's condition failed: nothing removed
    monkeypatch.setattr(DynamoStatistics, "_query", read)

    assert _city_now(aws) == {names[0]: 1, names[1]: 0}
    assert statistics.drop_zeros() == 1
    assert _city_now(aws) == {names[0]: 1}
