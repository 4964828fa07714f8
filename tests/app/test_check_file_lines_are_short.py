"""A check file's line holds one code: over 4 KiB it is refused ``line_too_long`` and the rest
are checked, so a block of a thousand lines held at once stays small (review 373: at the
entries' 512 KiB, one check of long lines held a gigabyte in a 1,024 MB function)."""

from __future__ import annotations

from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway, black_entry
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway_client.contract import CHECK_LINE_BYTES, MAX_LINE_BYTES


def test_a_long_line_of_a_check_file_is_refused_and_the_rest_checked(
    gateway: Gateway, aws: Any
) -> None:
    signer = gateway.register_platform(CITY)
    assert gateway.push(signer, CITY, [black_entry()]).json_body["accepted"] == 1
    long = {"credit_code": CREDIT_CODE, "note": "x" * CHECK_LINE_BYTES}
    lines = [long, {"credit_code": CREDIT_CODE}]

    upload_id = uploaded(gateway, aws, signer, lines, mode="check", purpose="supervision")

    upload = container().uploads.get(CITY, upload_id)
    assert upload is not None
    assert [(e.line, e.code) for e in upload.errors] == [(1, "line_too_long")], upload.errors
    assert upload.found == 1
    assert CHECK_LINE_BYTES < len(str(long)) < MAX_LINE_BYTES  # a listing file's line may be so
