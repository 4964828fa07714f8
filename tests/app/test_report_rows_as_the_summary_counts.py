"""The PDF's rows and ``gateway check``'s table say of each subject what the signed summary
counts, by one reading (``contract.report_rows``): a promise broken while it held counts there
also once ended (review 374: the table said "none applies"), one revoked counts nowhere (the
PDF named it a broken promise); and the PDF row carries every label whole (it was cut at 40
characters, a label found dropped)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, DAYE, HUNAN, Gateway
from lifecycle_support import push_with_removals, removal_of
from test_checks_route import food_record
from test_commitment_routes import TODAY, broken, commitment
from test_evaluation_standing import grade

from gateway_client import report_pdf
from gateway_client.cli.checks import _table
from gateway_client.report_pdf import _outcome, render_pdf


def _checked(gateway: Gateway, signer: Any) -> dict[str, Any]:
    body = {"codes": [CREDIT_CODE], "purpose": "supervision", "report": True}
    reply = gateway.post_signed("/v1/checks", signer, None, json.dumps(body).encode())
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body)


@pytest.mark.parametrize(("reason", "counted"), [("expired", 1), ("revoked", 0)])
def test_a_promise_broken_then_ended_is_named_as_the_summary_counts_it(
    gateway: Gateway, reason: str, counted: int
) -> None:
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    made = commitment()
    breach = commitment(2, outcome="broken", outcome_on=(TODAY - timedelta(days=3)).isoformat())
    assert gateway.push(city, CITY, [made]).json_body["accepted"] == 1
    assert gateway.push(city, CITY, [breach]).json_body["accepted"] == 1
    removed = push_with_removals(gateway, city, CITY, [removal_of(made, reason)])
    assert removed.json_body["removed"] == 1, removed.json_body

    answer = _checked(gateway, city)

    assert answer["summary"]["broken_commitments"] == counted, answer["summary"]
    [result] = answer["report"]["content"]["results"]
    [row] = [line for line in _table(answer).splitlines() if CREDIT_CODE in line]
    if counted:
        assert _outcome(result) == "违背信用承诺 broken commitment"
        assert "broken_commitment" in row, row
    else:
        assert _outcome(result) == "无适用名单 none applies"
        assert "none applies" in row, row


def test_the_pdf_row_carries_every_label_whole(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    daye = gateway.register_platform(DAYE)
    for entries in ([food_record(), grade("D"), commitment()], [broken()]):
        reply = gateway.push(daye, DAYE, entries).json_body
        assert reply["accepted"] == len(entries), reply
    report = _checked(gateway, daye)["report"]
    [result] = report["content"]["results"]
    found = _outcome(result)
    assert (
        found
        == "失信记录 dishonesty record、不良信用评价 poor grade、违背信用承诺 broken commitment"
    )

    from fpdf import FPDF

    written: list[str] = []
    real = FPDF.multi_cell

    def multi_cell(self: Any, w: Any, h: Any = None, text: str = "", *a: Any, **k: Any) -> Any:
        written.append(str(text))
        return real(self, w, h, text, *a, **k)

    monkeypatch.setattr(FPDF, "multi_cell", multi_cell)
    render_pdf(report, tmp_path / "r.pdf", str(report_pdf.font_path()))

    assert found in written
