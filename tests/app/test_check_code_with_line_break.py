"""A code with a line break inside ("1101051\n9900101123") is a code that is not one (review
278): that entry's error (path codes[i]), the others still checked, and a bulk check's line
error, the run completed. python-stdnum let the line break through to its check-digit
arithmetic, which raised ValueError: a 500 after the minute's check was counted, and a bulk
check that failed on every redelivery, writing its earlier blocks' trail again each time."""

from __future__ import annotations

import json
from typing import Any

from app_support import CREDIT_CODE, DAYE, Gateway, daye_black_entry
from upload_support import ask, put_and_ingest, put_file

import app as gateway_app
from chalicelib.bootstrap import container

ODD = "1101051\n9900101123"  # stdnum's isdigits() lets "…\n" through (`$` before a newline)


def test_a_code_with_a_line_break_is_that_entrys_error_not_a_500(gateway: Gateway) -> None:
    daye = gateway.register_platform(DAYE)
    assert gateway.push(daye, DAYE, [daye_black_entry()]).json_body["accepted"] == 1
    body = json.dumps({"codes": [CREDIT_CODE, ODD], "purpose": "supervision"}).encode()

    reply = gateway.post_signed("/v1/checks", daye, None, body)

    assert reply.status_code == 200, (reply.status_code, reply.body[:300])
    assert reply.json_body["results"][1]["error"]["path"] == "codes[1]"


def test_a_bulk_check_line_with_it_is_that_lines_error(gateway: Gateway, aws: Any) -> None:
    daye = gateway.register_platform(DAYE)
    lines = [{"credit_code": CREDIT_CODE}, {"credit_code": ODD}]
    asked = ask(gateway, daye, lines, region=DAYE, mode="check", purpose="supervision")

    put_and_ingest(aws, asked)  # must not raise

    upload = container().uploads.get(DAYE, asked.upload_id)
    assert upload is not None
    assert upload.status == "completed", upload


def _uscc(serial: int) -> str:
    from stdnum.cn import uscc

    body = f"91420281{serial:09d}"
    return body + uscc.calc_check_digit(body)


def test_a_second_block_holding_it_completes_with_its_trail_written_once(
    gateway: Gateway, aws: Any
) -> None:
    daye = gateway.register_platform(DAYE)
    lines = [{"credit_code": _uscc(i)} for i in range(1, 1001)] + [{"credit_code": ODD}]
    asked = ask(gateway, daye, lines, region=DAYE, mode="check", purpose="supervision")

    gateway_app.ingest_uploads({"Records": [put_file(aws, asked)]}, None)

    trail = aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Count"]
    upload = container().uploads.get(DAYE, asked.upload_id)
    assert upload is not None
    assert (upload.status, trail) == ("completed", 1000)
