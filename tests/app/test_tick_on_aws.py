"""On AWS, ``POST /v1/tick`` has the lifecycle function run the tick: only that function's role
may delete from the exchange log, which a purge's erasure does (``chalicelib/tick_function``)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from chalice.app import CloudWatchEvent
from lifecycle_support import Lifecycle

from chalicelib import tick_function

REPORT = {
    "expired": 1,
    "purged": 2,
    "purged_by_region": {"230900": 2},
    "overdue_objections": [],
    "checkpoint": 7,
}


class TooManyRequestsException(Exception):
    pass


class FakeLambda:
    class exceptions:
        TooManyRequestsException = TooManyRequestsException

    def __init__(self, reply: dict[str, Any] | Exception) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **call: Any) -> dict[str, Any]:
        self.calls.append(call)
        if isinstance(self.reply, Exception):
            raise self.reply
        return {**self.reply, "Payload": io.BytesIO(self.reply["Payload"])}


@pytest.fixture
def deployed(gateway, monkeypatch: pytest.MonkeyPatch):
    def use(reply: dict[str, Any] | Exception) -> FakeLambda:
        fake = FakeLambda(reply)
        monkeypatch.setattr(tick_function, "_lambda", lambda region: fake)
        gateway.configure(lifecycle_function="credit-gateway-prod-lifecycle_tick")
        return fake

    return use


def test_the_route_answers_the_lifecycle_functions_report(gateway, deployed):
    fake = deployed({"StatusCode": 200, "Payload": json.dumps(REPORT).encode()})

    reply = Lifecycle(gateway).post("/v1/tick", {})

    assert reply.status_code == 200
    assert json.loads(reply.body) == REPORT
    [call] = fake.calls
    assert call["FunctionName"] == "credit-gateway-prod-lifecycle_tick"
    assert call["InvocationType"] == "RequestResponse"
    event = CloudWatchEvent(json.loads(call["Payload"]), None)  # what the handler reads
    assert event.detail_type == "Scheduled Event"


def test_a_tick_already_running_is_a_conflict(gateway, deployed):
    deployed(TooManyRequestsException("Rate Exceeded"))

    reply = Lifecycle(gateway).post("/v1/tick", {})

    assert reply.status_code == 409
    assert json.loads(reply.body)["error"]["code"] == "conflict"


def test_a_failed_tick_is_the_gateways_fault(gateway, deployed):
    deployed({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": b'{"errorType": "X"}'})

    assert Lifecycle(gateway).post("/v1/tick", {}).status_code == 500


def test_only_the_operator_may_ask(gateway, deployed):
    fake = deployed({"StatusCode": 200, "Payload": json.dumps(REPORT).encode()})

    reply = gateway.client.http.post("/v1/tick", body=b"{}")

    assert reply.status_code == 401
    assert fake.calls == []
