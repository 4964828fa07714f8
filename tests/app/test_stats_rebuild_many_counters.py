"""A statistics rebuild's listings page of a region with 360 open commitments, each its own
deadline, adds those counters in slices an ADD names within DynamoDB's 4 KB expression limit
(review 152: one ADD named them all, and the page answered 500 for good after its clearing had
run); moto enforces no expression length: emulated, as for the clearing's REMOVE."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, StreamReader
from expression_limit import enforce_expression_limit
from lifecycle_support import this_month
from test_commitment_routes import TODAY, commitment
from test_stats_counters_route import rebuild

import app as gateway_app
from chalicelib import bootstrap

_DEADLINES = 360


def _commitments(gateway: Gateway) -> None:
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    entries = []
    for i in range(_DEADLINES):
        entry = commitment()
        entry["decision_number"] = f"七政服承诺〔2026〕{i + 100}号"
        entry["commitment"]["deadline"] = (TODAY + timedelta(days=i + 1)).isoformat()
        entries.append(entry)
    for first in range(0, len(entries), 120):
        reply = gateway.push(city, CITY, entries[first : first + 120])
        assert reply.json_body["accepted"] == len(entries[first : first + 120]), reply.json_body


def test_rebuild_recount_of_a_region_with_many_deadlines_keeps_within_the_limit(
    gateway: Gateway, aws: Any, stream: StreamReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    _commitments(gateway)
    gateway_app.fan_out_changes(stream.event(), None)
    enforce_expression_limit(monkeypatch)
    reply = rebuild(gateway, f"since={this_month()}")
    assert reply.status_code == 200, reply.json_body
    while reply.json_body["next"]:
        reply = rebuild(gateway, f"after={reply.json_body['next']}")
        assert reply.status_code == 200, reply.json_body
    counted = bootstrap.container().statistics.read(CITY, "now")[CITY]
    assert sum(v for k, v in counted.items() if k.startswith("open_commitment#")) == _DEADLINES
