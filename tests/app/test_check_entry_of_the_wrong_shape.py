"""A batch check's entry that is an array or an object is refused (the whole batch, 400) at its
place, ``codes.0``, once: not with the names of the JSON scalars an entry may be in its path
(review 300: ``codes.0.str``, ``codes.0.int``… each saying what it "should be")."""

from __future__ import annotations

import json

import pytest
from app_support import CREDIT_CODE, HUNAN, Gateway


@pytest.mark.parametrize("entry", [["11010519491231002X"], {"credit_code": "x"}])
def test_an_entry_of_the_wrong_shape_is_named_at_its_place(gateway: Gateway, entry) -> None:
    hunan = gateway.register_platform(HUNAN)
    body = json.dumps({"codes": [entry, CREDIT_CODE], "purpose": "supervision"}).encode()

    reply = gateway.post_signed("/v1/checks", hunan, None, body)

    assert reply.status_code == 400, reply.json_body
    error = reply.json_body["error"]
    paths = [e["path"] for e in error.get("errors", [])] or [error["path"]]
    assert error["path"] in ("codes.0", "codes[0]"), error
    assert paths == [error["path"]], f"one problem, at the entry: {paths}"
