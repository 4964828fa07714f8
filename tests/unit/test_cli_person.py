"""``gateway person``: the number goes in the signed body, never in the URL, and ``-`` reads it
from standard input so it stays out of the shell's history and the process list."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli import person as cli_person
from gateway_client.push_client import Response

NUMBER = "110108198506150478"
ANSWER = {
    "id_number": NUMBER,
    "as_region": "430100",
    "listings": [
        {
            "listing": {
                "subject_name": "长沙某某建材有限公司",
                "credit_code": "91430100MA4L0AAA0X",
                "domain": "court_defaulter",
            },
            "roles": ["legal_representative", "shareholder"],
            "status": "active",
            "measures": [
                {
                    "measure": {"text": "限制出境", "mandatory": True},
                    "roles": ["legal_representative"],
                }
            ],
        }
    ],
}


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any]]:
    calls: list[tuple[str, str, Any]] = []

    def caller(args: Any) -> Any:
        def call(method: str, url: str, body: bytes | None = None) -> Response:
            calls.append((method, url, json.loads(body or b"null")))
            return Response(200, ANSWER, {})

        return call

    monkeypatch.setattr(cli_person, "caller_for", caller)
    return calls


@pytest.mark.parametrize("given", [NUMBER, "-"], ids=["argument", "stdin"])
def test_the_number_is_sent_in_the_body_and_never_in_the_url(
    given: str,
    sent: list[tuple[str, str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(NUMBER + "\n"))

    status = cli.main(["person", given, "--purpose", "supervision", "--url", "http://gw"])

    assert status == 0
    [(method, url, body)] = sent
    assert (method, url) == ("POST", "http://gw/v1/persons/query")
    assert body == {"id_number": NUMBER, "purpose": "supervision"}
    out = capsys.readouterr().out
    assert "responsible person 责任人 (落实到人)" in out
    assert "法定代表人/股东" in out
    assert "[强制] 限制出境" in out


def test_as_goes_in_the_body_too(sent: list[tuple[str, str, Any]]) -> None:
    argv = ["person", NUMBER, "--purpose", "supervision", "--as", "430000", "--url", "http://gw"]
    assert cli.main(argv) == 0
    assert sent[0][2]["as_region"] == "430000"


def test_an_empty_stdin_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    status = cli.main(["person", "-", "--purpose", "supervision", "--url", "http://gw"])
    assert status != 0
    assert "resident ID number" in capsys.readouterr().err
