"""A bulk check is checked a thousand codes at a time exactly as ``POST /v1/checks`` checks
them: a code asked again is answered once, the repeat ``duplicate_code``, wherever it stands in
the file — in the same block or in a later one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, black_entry
from stdnum.cn import uscc
from upload_support import uploaded

from chalicelib.bootstrap import container


def _other_code(serial: int) -> str:
    body = f"91441800{serial:09d}"
    return body + uscc.calc_check_digit(body)


def _stored(aws: Any, key: str | None) -> bytes:
    assert key is not None
    return bytes(aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key)["Body"].read())


@pytest.mark.parametrize("between", [0, 1000], ids=["same-block", "next-block"])
def test_a_repeated_code_is_answered_once_wherever_it_stands(gateway, aws, between):
    signer = gateway.register_platform(CITY)
    assert gateway.push(signer, CITY, [black_entry()]).json_body["accepted"] == 1
    codes = [CREDIT_CODE, *(_other_code(i) for i in range(between)), CREDIT_CODE]
    lines = [{"not": "a code"}, *({"credit_code": code} for code in codes)]  # codes from line 2

    upload_id = uploaded(gateway, aws, signer, lines, mode="check", purpose="supervision")

    upload = container().uploads.get(CITY, upload_id)
    assert upload is not None
    answers = [json.loads(line) for line in _stored(aws, upload.result_key).splitlines()]
    repeat = answers[-1]
    assert (repeat["line"], repeat["found"], repeat["error"]["code"]) == (
        len(lines),
        False,
        "duplicate_code",
    )
    assert repeat["error"]["message"] == "the same code as line 2"
    assert repeat["error"]["path"] == "credit_code"  # of its line, whichever block it is in
    assert upload.found == 1
    report = json.loads(_stored(aws, upload.report_key))
    summary = report["content"]["summary"]
    assert (summary["found"], summary["invalid"]) == (1, 1)
