"""A statistics rebuild's listings page of a region with 360 open commitments, each its own
deadline, adds those counters in slices an ADD names within DynamoDB's 4 KB expression limit
(review 152: one ADD named them all, and the page answered 500 for good after its clearing had
run); moto enforces no expression length: emulated, as for the clearing's REMOVE."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import botocore.client
import pytest
from app_support import CITY, HUNAN, Gateway, StreamReader
from botocore.exceptions import ClientError
from lifecycle_support import this_month
from test_commitment_routes import TODAY, commitment
from test_stats_counters_route import rebuild

import app as gateway_app
from chalicelib import bootstrap

_LIMIT = 4096
_EXPRESSIONS = ("UpdateExpression", "ConditionExpression", "KeyConditionExpression")
_DEADLINES = 360


def _as_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    current = botocore.client.BaseClient._make_api_call

    def as_aws(self: Any, operation: str, params: dict[str, Any]) -> Any:
        actions = [params, *(a.get("Update", {}) for a in params.get("TransactItems", []))]
        for name, action in ((n, a) for a in actions for n in _EXPRESSIONS):
            if len(action.get(name, "")) > _LIMIT:
                error = {
                    "Error": {
                        "Code": "ValidationException",
                        "Message": f"Invalid {name}: Expression size has exceeded the maximum "
                        "allowed size",
                    }
                }
                raise ClientError(error, operation)  # type: ignore[arg-type]
        return current(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", as_aws)


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
    _as_aws(monkeypatch)
    reply = rebuild(gateway, f"since={this_month()}")
    assert reply.status_code == 200, reply.json_body
    while reply.json_body["next"]:
        reply = rebuild(gateway, f"after={reply.json_body['next']}")
        assert reply.status_code == 200, reply.json_body
    counted = bootstrap.container().statistics.read(CITY, "now")[CITY]
    assert sum(v for k, v in counted.items() if k.startswith("open_commitment#")) == _DEADLINES
