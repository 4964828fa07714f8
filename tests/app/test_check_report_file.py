"""``gateway check --report`` writes the signed report as UTF-8, as ``gateway verify-report``
reads it, whatever the platform's default encoding: on a Chinese Windows desktop (cp936) it
wrote GBK, and its own verifier refused the genuine report (review 160)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from app_support import CREDIT_CODE, DAYE, HUNAN, Gateway, daye_black_entry, signed_agreement

from gateway_client.cli import checks as cli_checks
from gateway_client.cli import main as cli
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.push_client import Response


def _windows_default(encoding: str | None, stacklevel: int = 2) -> str:
    """What ``io.text_encoding`` answers on a Chinese-locale Windows (not in UTF-8 mode)."""
    return encoding if encoding is not None else "gbk"


@pytest.mark.roles_unchecked
def test_the_report_gateway_check_writes_is_one_gateway_verify_report_reads(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    assert gateway.push(daye, DAYE, [daye_black_entry()]).json_body["accepted"] == 1
    signed_agreement(gateway)

    def through_the_app(signer: Ed25519Signer):  # the CLI's signed call, in-process
        def call(method: str, url: str, body: bytes | None = None) -> Response:
            reply = gateway.post_signed("/v1/checks", signer, None, body or b"")
            return Response(reply.status_code, reply.json_body, dict(reply.headers))

        return call

    monkeypatch.setattr(cli_checks, "caller_for", lambda args: through_the_app(hunan))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(gateway.client.http.get("/v1/keys").json_body), encoding="utf-8")
    report = tmp_path / "report.json"
    monkeypatch.setattr(io, "text_encoding", _windows_default)

    made = cli.main(
        [
            "check",
            CREDIT_CODE,
            "--purpose",
            "supervision",
            "--report",
            str(report),
            "--url",
            "http://gateway.invalid",
        ]
    )
    assert made == 0, capsys.readouterr()
    capsys.readouterr()

    verified = cli.main(["verify-report", str(report), "--keys", str(keys)])

    said = capsys.readouterr()
    assert verified == 0, said
    assert "OK: signature verified" in said.out
