"""``gateway subscription replay`` (the ``replay`` command): one request goes through at most
5,000 log entries and names where the range goes on; the command follows it to the end, and
waits out a 429 (replays a minute per subscribing region) rather than stopping halfway."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli import subscriber as cli_subscriber
from gateway_client.push_client import Response


def test_the_range_is_followed_to_its_end_through_a_rate_limit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[dict[str, Any]] = []
    replies = [
        Response(
            202,
            {"from_sequence": 1, "to_sequence": 5000, "queued": 7, "next_from_sequence": 5001},
            {},
        ),
        Response(
            429, {"error": {"code": "rate_limited", "message": "slow down"}}, {"Retry-After": "2"}
        ),
        Response(
            202,
            {"from_sequence": 5001, "to_sequence": 6000, "queued": 3, "next_from_sequence": None},
            {},
        ),
    ]
    slept: list[float] = []

    def caller(args: Any) -> Any:
        def call(method: str, url: str, body: bytes | None = None) -> Response:
            assert (method, url) == ("POST", "http://gw/v1/subscriptions/sub_1/replay")
            asked.append(json.loads(body or b"{}"))
            return replies.pop(0)

        return call

    monkeypatch.setattr(cli_subscriber, "caller_for", caller)
    monkeypatch.setattr(cli_subscriber.time, "sleep", slept.append)

    assert cli.main(["replay", "sub_1", "--from", "1", "--to", "6000", "--url", "http://gw"]) == 0

    assert asked == [
        {"from_sequence": 1, "to_sequence": 6000},
        {"from_sequence": 5001, "to_sequence": 6000},
        {"from_sequence": 5001, "to_sequence": 6000},
    ]
    assert slept == [2]
    printed = capsys.readouterr().out
    assert '"queued": 7' in printed
    assert '"queued": 3' in printed


def test_a_refusal_stops_the_command_with_the_gateways_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def caller(args: Any) -> Any:
        return lambda *_a, **_k: Response(
            409, {"error": {"code": "subscription_paused", "message": "paused"}}, {}
        )

    monkeypatch.setattr(cli_subscriber, "caller_for", caller)

    assert cli.main(["replay", "sub_1", "--from", "1", "--url", "http://gw"]) != 0
    assert "subscription_paused" in capsys.readouterr().err


@pytest.mark.parametrize("following", [1, 0, "2", 1.5])
def test_a_gateway_that_names_no_later_start_ends_the_command(
    following: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reply = {"from_sequence": 1, "to_sequence": 1, "queued": 0, "next_from_sequence": following}
    calls: list[str] = []

    def caller(args: Any) -> Any:
        def call(*_a: Any, **_k: Any) -> Response:
            calls.append("POST")
            return Response(202, reply, {})

        return call

    monkeypatch.setattr(cli_subscriber, "caller_for", caller)

    assert cli.main(["replay", "sub_1", "--from", "1", "--url", "http://gw"]) != 0
    assert calls == ["POST"]
    assert "go on from" in capsys.readouterr().err


def test_a_rate_limit_that_never_lifts_ends_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def caller(args: Any) -> Any:
        def call(*_a: Any, **_k: Any) -> Response:
            calls.append("POST")
            return Response(429, {"error": {"code": "rate_limited", "message": "no"}}, {})

        return call

    monkeypatch.setattr(cli_subscriber, "caller_for", caller)
    monkeypatch.setattr(cli_subscriber.time, "sleep", lambda _: None)

    assert cli.main(["replay", "sub_1", "--from", "1", "--url", "http://gw"]) != 0
    assert len(calls) == cli_subscriber._RATE_LIMITED_TRIES + 1
    assert "rate_limited" in capsys.readouterr().err
