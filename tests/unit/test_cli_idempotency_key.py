"""``--idempotency-key`` goes with the operator's creation however the operator signs in (a
token, or ``--iam`` on a deployed stack: review 189), and a platform's signed run refuses it:
its creation is made once by its webhook-id, which a new run does not repeat."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from gateway_client.cli import main as cli_main
from gateway_client.cli import operator as cli_operator
from gateway_client.cli.errors import CliError

KEY = "retry-0123456789"


def _run(tmp_path: Path, command: list[str], *extra: str) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"title": "x"}')
    argv = [*command, str(body), "--url", "https://gw.example.cn", *extra]
    args = cli_main.parser().parse_args([*argv, "--idempotency-key", KEY])
    args.run(args)


@pytest.mark.parametrize("credentials", [["--iam"], ["--token", "t" * 32]], ids=["iam", "token"])
def test_the_operator_sends_its_idempotency_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, credentials: list[str]
) -> None:
    sent: list[dict[str, str]] = []

    class Reply:
        status = 201
        body: ClassVar[dict[str, Any]] = {"agreement": {}, "reevaluation": None}

    def fake_request(method: str, url: str, body: Any, headers: Any, timeout: Any = None) -> Any:
        sent.append(dict(headers))
        return Reply()

    monkeypatch.setattr(cli_operator, "http_request", fake_request)
    monkeypatch.setattr(cli_operator, "_sigv4_headers", lambda m, u, b: {"authorization": "AWS4"})

    _run(tmp_path, ["agreement", "create"], *credentials)

    assert [headers.get("idempotency-key") for headers in sent] == [KEY]


def test_a_platform_signer_refuses_the_operator_s_key(tmp_path: Path) -> None:
    key_file = tmp_path / "k"
    key_file.write_text("unused")
    with pytest.raises(CliError, match="--idempotency-key is the operator's"):
        _run(tmp_path, ["subscribe"], "--key-id", "k-1", "--key-file", str(key_file))
