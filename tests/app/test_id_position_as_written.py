"""``id_number_in_text`` says where the platform wrote the number, not where it is in the NFKC
form of the text: a character NFKC lengthens before it (U+FDFA: 18 characters, ㍻: 2) moved the
position the error named (review 362)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, black_entry


@pytest.mark.parametrize("before", ["\ufdfa身份证", "见㍻元年文件，身份证"])
def test_position_is_where_the_number_is_written(gateway: Any, before: str) -> None:
    city = gateway.register_platform(CITY)
    reason = before + "110105 19491231 002X"
    reply = gateway.push(city, CITY, [black_entry(reason=reason)])
    [error] = [e for e in reply.json_body["errors"] if e["code"] == "id_number_in_text"]
    assert f"at position {len(before)}" in error["message"], error["message"]
