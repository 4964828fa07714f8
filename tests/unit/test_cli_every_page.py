"""``gateway subscription list`` and ``gateway agreement list`` read every page the gateway
answers (``after`` → ``next``) and show them as one list: the operator's list of every
region's subscriptions is long, and its first page alone left the rest unseen. A ``next`` that
would never end the loop, or an answer without the list, is told, not followed."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli import operator as cli_operator
from gateway_client.cli import subscriber as cli_subscriber
from gateway_client.cli.errors import CliError
from gateway_client.push_client import Response


def pages_of(listed: str, pages: list[list[str]]) -> tuple[list[dict[str, list[str]]], Any]:
    """A caller answering ``pages`` in turn, each naming the next by its index."""
    asked: list[dict[str, list[str]]] = []

    def caller(args: Any) -> Any:
        def call(method: str, url: str, body: bytes | None = None) -> Response:
            assert method == "GET"
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
            asked.append(query)
            n = int(query.get("after", ["0"])[0])
            following = str(n + 1) if n + 1 < len(pages) else None
            return Response(200, {listed: pages[n], "next": following}, {})

        return call

    return asked, caller


@pytest.mark.parametrize(
    ("command", "listed", "module", "option", "param"),
    [
        (["subscription", "list"], "subscriptions", cli_subscriber, "--region", "region"),
        (["agreement", "list"], "agreements", cli_operator, "--subscriber", "subscriber"),
    ],
)
def test_every_page_is_read_and_shown_as_one_list(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    listed: str,
    module: Any,
    option: str,
    param: str,
) -> None:
    asked, caller = pages_of(listed, [["a", "b"], ["c"], ["d"]])
    monkeypatch.setattr(module, "caller_for", caller)

    assert cli.main([*command, option, "420000", "--url", "http://gw"]) == 0

    assert json.loads(capsys.readouterr().out) == {listed: ["a", "b", "c", "d"]}
    assert [q.get("after") for q in asked] == [None, ["1"], ["2"]]
    assert all(q[param] == ["420000"] for q in asked)


@pytest.mark.parametrize(
    "answer",
    [
        {"subscriptions": ["a"], "next": ""},  # the same page again: it would never end
        {"subscriptions": ["a"], "next": 7},
        {"next": None},
        ["a"],
    ],
)
def test_an_answer_that_cannot_be_followed_is_told(
    monkeypatch: pytest.MonkeyPatch, answer: Any
) -> None:
    monkeypatch.setattr(
        cli_subscriber, "caller_for", lambda args: lambda *a, **k: Response(200, answer, {})
    )

    with pytest.raises(CliError):
        cli_subscriber.show_every_page(
            cli_subscriber.caller_for(None), "http://gw/v1/subscriptions", "subscriptions", {}
        )


def test_a_refused_page_is_the_commands_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    refusal = {"error": {"code": "forbidden", "message": "not yours", "field": "region"}}
    monkeypatch.setattr(
        cli_subscriber, "caller_for", lambda args: lambda *a, **k: Response(403, refusal, {})
    )

    assert cli.main(["subscription", "list", "--url", "http://gw"]) != 0


def _cycling() -> Any:
    asked: list[str] = []
    pages = {"": "B", "B": "A", "A": "B"}  # A → B → A → ...

    def call(method: str, url: str, body: Any = None) -> Response:
        after = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("after", [""])[0]
        asked.append(after)
        if len(asked) > 50:
            raise RuntimeError(f"still paging after {len(asked)} requests: {asked[:6]}...")
        return Response(200, {"subscriptions": [{"n": len(asked)}], "next": pages[after]}, {})

    return call


def test_a_next_that_returns_to_an_earlier_page_is_told() -> None:
    """A → B → A (a stale page from a proxy, say) would page for ever (review 393)."""
    with pytest.raises(CliError):
        cli_operator.show_every_page(
            _cycling(), "https://gw.example/v1/subscriptions", "subscriptions", {}
        )
