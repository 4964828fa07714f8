"""Errors quote what was wrong, and a slipped column puts an ID number where a domain or a field
name goes: every error a push or an upload answers, keeps and the console shows has it masked
(as an ID in a text field's error always was), never in full."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, Gateway, black_entry
from session_support import as_session, open_session
from upload_support import uploaded

ID_NUMBER = "11010519491231002X"
MASKED = "110105***********X"
# as a slipped column may write it: review 45 found these kept in full
SPELLINGS = [
    ID_NUMBER,
    ID_NUMBER.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
    "110105 19491231 002X",
    "110105-19491231-002X",
    ID_NUMBER.translate(str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")),  # review 46a
]
SPELLING_NAMES = ["ascii", "full-width", "spaced", "dashed", "circled"]


def slipped(number: str = ID_NUMBER) -> list[dict[str, Any]]:
    return [
        black_entry(domain=number),  # the ID where the domain goes
        {**black_entry(decision_number="(2024)黑09执2号"), number: "x"},  # the ID as a key
        black_entry(decision_number="(2024)黑09执3号", subject_name=number),
    ]


def _shown_masked(errors: list[dict[str, Any]], number: str = ID_NUMBER) -> None:
    text = json.dumps(errors, ensure_ascii=False)
    assert number not in text, errors
    # masked, or not quoted at all where it is spelt as no catalogue key or field name is
    assert MASKED in errors[0]["message"] or "(not a catalogue key)" in errors[0]["message"]
    assert errors[1]["field"] in (MASKED, "(not a field name)")


@pytest.mark.parametrize("number", SPELLINGS, ids=SPELLING_NAMES)
def test_an_uploads_line_errors_mask_the_id_numbers_they_quote(
    gateway: Gateway, aws: Any, number: str
):
    city = gateway.register_platform(CITY)
    upload_id = uploaded(gateway, aws, city, slipped(number))
    token = open_session(gateway, city).json_body["token"]

    shown = as_session(gateway, token, "GET", f"/v1/regions/{CITY}/uploads/{upload_id}")

    assert shown.status_code == 200, shown.json_body
    errors = shown.json_body["upload"]["errors"]
    assert [e["line"] for e in errors] == [1, 2, 3]
    _shown_masked(errors, number)


@pytest.mark.parametrize("number", SPELLINGS, ids=SPELLING_NAMES)
def test_a_pushs_entry_errors_mask_the_id_numbers_they_quote(gateway: Gateway, number: str):
    city = gateway.register_platform(CITY)

    reply = gateway.push(city, CITY, slipped(number))

    assert (reply.status_code, reply.json_body["accepted"]) == (200, 0), reply.json_body
    errors = reply.json_body["errors"]
    assert [e["index"] for e in errors] == [0, 1, 2]
    _shown_masked(errors, number)
