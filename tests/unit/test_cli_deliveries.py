"""``gateway deliveries``: its filters, limit and ``--after`` (a previous answer's ``next``)
go in the query, encoded, so a long list is walked from the command line too."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli import subscriber as cli_subscriber
from gateway_client.push_client import Response

NEXT = "eyJhdCI6IjIwMjYtMTItMDFUMDA6MDA6MDArMDA6MDAifQ+/="  # characters a query must encode


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []

    def caller(args: Any) -> Any:
        def call(method: str, url: str, body: bytes | None = None) -> Response:
            assert (method, body) == ("GET", None)
            urls.append(url)
            return Response(200, {"deliveries": [], "next": None}, {})

        return call

    monkeypatch.setattr(cli_subscriber, "caller_for", caller)
    return urls


def test_state_limit_and_after_go_in_the_query(
    sent: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["deliveries", "sub_1", "--state", "dead", "--limit", "2", "--after", NEXT]
    assert cli.main([*argv, "--url", "http://gw"]) == 0

    [url] = sent
    parts = urlsplit(url)
    assert parts.path == "/v1/subscriptions/sub_1/deliveries"
    assert parse_qs(parts.query) == {"state": ["dead"], "limit": ["2"], "after": [NEXT]}
    assert json.loads(capsys.readouterr().out) == {"deliveries": [], "next": None}


def test_without_options_the_query_is_empty(sent: list[str]) -> None:
    assert cli.main(["deliveries", "sub_1", "--url", "http://gw"]) == 0
    assert sent == ["http://gw/v1/subscriptions/sub_1/deliveries"]
