"""Files saved as "UTF-8 with BOM" (Notepad; Excel's "CSV UTF-8") are read without it: the
codes file's first code went to the gateway with U+FEFF in front, was answered "not a credit
code", not found — a black-listed first applicant passed the check (review 397); an entries
file with a BOM is pushed as the JSON it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli_careless_input import _Handler, key_file, push  # noqa: F401 (fixtures)
from test_cli_errors import REGION, run, serving, url_of

CODE = "91110000600037341L"
BOM = "\ufeff"


@pytest.fixture
def answering() -> Any:
    with serving(_Handler) as srv:
        srv.route = lambda method, path: (400, "application/json", b'{"error": {}}', None)
        yield srv


def test_a_codes_file_with_a_bom_sends_its_first_code_as_written(
    tmp_path: Path,
    key_file: Path,  # noqa: F811
    answering: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    codes = tmp_path / "codes.csv"
    codes.write_text(f"{BOM}{CODE}\r\n", encoding="utf-8")

    run(
        capsys,
        "check",
        "--codes-file",
        str(codes),
        "--purpose",
        "supervision",
        "--url",
        url_of(answering),
        "--region",
        REGION,
        "--key-id",
        "qth-1",
        "--key-file",
        str(key_file),
    )

    [(_, path, body)] = answering.requests
    assert path == "/v1/checks"
    assert json.loads(body)["codes"] == [CODE]


def test_an_entries_file_with_a_bom_is_pushed(
    tmp_path: Path,
    key_file: Path,  # noqa: F811
    answering: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entries = tmp_path / "entries.json"
    entries.write_text(BOM + json.dumps([{"credit_code": CODE}]), encoding="utf-8")

    run(capsys, *push(entries, key_file, url_of(answering)))

    [(_, path, body)] = answering.requests
    assert path == "/v1/pushes"
    assert json.loads(body)["entries"] == [{"credit_code": CODE}]
