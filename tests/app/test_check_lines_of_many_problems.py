"""A bulk check's refused lines are counted exactly and listed up to the upload's caps, each by
its first problems: every block's errors were kept until the end, each line's every problem (a
4 KiB line of unknown keys: 545), and a file of a few thousand such lines took the ingest
function past its memory at every retry, its trail written again each time (review 397)."""

from __future__ import annotations

from typing import Any

from app_support import CREDIT_CODE, DAYE, Gateway
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake.bulk import LINE_ERRORS
from gateway.intake.push import MAX_REPORTED_ERRORS


def test_bad_check_lines_are_counted_and_listed_within_the_caps(gateway: Gateway, aws: Any) -> None:
    daye = gateway.register_platform(DAYE)
    unknown = {f"k{i:03d}": 0 for i in range(100)}  # each line 101 problems: no code, 100 keys
    bad = MAX_REPORTED_ERRORS // LINE_ERRORS + 5
    lines = [{"credit_code": CREDIT_CODE}, *([unknown] * bad)]
    asked = ask(gateway, daye, lines, region=DAYE, mode="check", purpose="supervision")

    put_and_ingest(aws, asked)

    upload = container().uploads.get(DAYE, asked.upload_id)
    assert upload is not None
    assert (upload.status, upload.accepted, upload.rejected) == ("completed", 1, bad)
    assert len(upload.errors) == MAX_REPORTED_ERRORS
    assert upload.errors_truncated
    per_line = {e.line: 0 for e in upload.errors}
    for error in upload.errors:
        per_line[error.line] += 1
    assert max(per_line.values()) == LINE_ERRORS
