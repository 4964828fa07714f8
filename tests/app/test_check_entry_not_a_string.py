"""A batch check's entry that is JSON but no string (a number: a spreadsheet's all-digit code
exported as a number; null for an empty cell) is that entry's error at ``codes[i]``, and the
others are still checked, as the README says and the bulk path does per line (review 294: it
refused the whole batch, 400 at ``codes.0``)."""

from __future__ import annotations

import json

import pytest
from app_support import CREDIT_CODE, DAYE, HUNAN, Gateway, daye_black_entry, signed_agreement


@pytest.mark.parametrize("entry", [110105194912310020, None])
def test_an_entry_that_is_no_string_is_that_entrys_error(gateway: Gateway, entry) -> None:
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    assert gateway.push(daye, DAYE, [daye_black_entry()]).json_body["accepted"] == 1
    signed_agreement(gateway)
    body = json.dumps({"codes": [entry, CREDIT_CODE], "purpose": "supervision"}).encode()

    reply = gateway.post_signed("/v1/checks", hunan, None, body)

    assert reply.status_code == 200, reply.json_body
    bad, good = reply.json_body["results"]
    assert (bad["error"]["path"], bad["error"]["reason"]) == ("codes[0]", "not_a_string")
    assert good["found"] is True
