"""`gateway push --bulk`'s exit status by how the upload ended when its wait did: a script
tells "still under way" (4) from a refusal or failure (1), and refused lines (3) from none (0)
(review 118)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli.errors import FAILED, NOT_YET, SOME_REFUSED
from gateway_client.contract.signing import generate_signing_key
from gateway_client.push_client import Response
from gateway_client.uploader import BulkUploader

UPLOAD = {"manifest": {"upload_id": "u-1"}, "lines": 1, "accepted": 1, "duplicate": 0}


@pytest.mark.parametrize(
    ("ended", "status"),
    [
        ({"status": "completed", "rejected": 0}, 0),
        ({"status": "completed", "rejected": 1}, SOME_REFUSED),
        ({"status": "ingesting", "rejected": 0}, NOT_YET),
        ({"status": "expected", "rejected": 0}, NOT_YET),
        ({"status": "refused", "rejected": 0}, FAILED),
    ],
)
def test_the_exit_status_says_how_the_upload_stood_when_the_wait_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ended: dict[str, Any], status: int
) -> None:
    key = tmp_path / "cs.key"
    key.write_text(generate_signing_key() + "\n", encoding="utf-8")
    lines = tmp_path / "full.ndjson"
    lines.write_text('{"credit_code": "x"}\n', encoding="utf-8")
    upload = {**UPLOAD, "removed": 0, "errors": [], **ended}
    monkeypatch.setattr(
        BulkUploader, "request", lambda *_, **__: Response(201, {"upload": upload}, {})
    )
    monkeypatch.setattr(
        BulkUploader, "wait", lambda *_, **__: Response(200, {"upload": upload}, {})
    )
    monkeypatch.setattr("gateway_client.cli.platform_commands.render_upload", lambda _: "")

    argv = ["push", "--bulk", str(lines), "--region", "430100", "--key-id", "cs-1"]
    assert cli.main([*argv, "--key-file", str(key), "--url", "http://127.0.0.1:9"]) == status
