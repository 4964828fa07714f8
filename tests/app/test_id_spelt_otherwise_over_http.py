"""A resident ID number spelt in Chinese numerals, other scripts' digits or with a mark after
each digit, pushed in a reason (review 362): refused on its field, nothing stored; in text
stored before, a region shown the listing masked sees it masked."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, OTHER_CREDIT_CODE, black_entry
from lifecycle_support import Lifecycle

from chalicelib.bootstrap import container
from gateway_client.contract import model

SPELT = {
    "chinese": "一一〇一〇五一九四九一二三一〇〇二X",
    "arabic_indic": "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",
    "marked": "".join(c + "\u0301" for c in "11010519491231002X"),
    "kangxi": "⼀⼀〇⼀〇五⼀九四九⼀⼆三⼀〇〇⼆X",  # review 364: the quick path settled these
    "white_circle_zero": "一一○一○五一九四九一二三一○○二X",
    "letter_o_zero": "一一O一O五一九四九一二三一OO二X",  # review 366
    "beside_a_numeral_word": "一一〇一〇五一九四九一二三一〇〇二X一案",
    "ascii_o_zero": "11O1O519491231OO2X",  # review 368: ASCII text was settled unread
}
BIRTH = {
    "chinese": "一九四九一二三一",
    "arabic_indic": "١٩٤٩١٢٣١",
    "marked": "".join(c + "\u0301" for c in "19491231"),
    "kangxi": "⼀九四九⼀⼆三⼀",
    "white_circle_zero": "一九四九一二三一",
    "letter_o_zero": "一九四九一二三一",
    "beside_a_numeral_word": "一九四九一二三一",
    "ascii_o_zero": "19491231",
}


@pytest.mark.parametrize("spelling", SPELT)
def test_a_number_spelt_otherwise_is_refused_in_a_reason_and_nothing_is_stored(
    gateway: Any, spelling: str
) -> None:
    city = gateway.register_platform(CITY)

    reply = gateway.push(city, CITY, [black_entry(reason=f"当事人张某（{SPELT[spelling]}）")])

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 0, reply.json_body
    [error] = reply.json_body["errors"]
    assert (error["field"], error["code"]) == ("reason", "id_number_in_text"), error
    assert BIRTH[spelling] not in reply.body.decode()
    assert container().listings.subject(CREDIT_CODE) == []


@pytest.mark.parametrize("spelling", SPELT)
def test_in_text_stored_before_it_is_masked_for_a_region_shown_the_listing_masked(
    gateway: Any, monkeypatch: Any, spelling: str
) -> None:
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    with monkeypatch.context() as m:  # stored before input refused ID numbers in text
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        entry = black_entry(credit_code=OTHER_CREDIT_CODE, reason=f"当事人（{SPELT[spelling]}）")
        pushed = gateway.push(city, CITY, [entry])
        assert pushed.json_body["accepted"] == 1, pushed.json_body

    asked = {"codes": [OTHER_CREDIT_CODE], "purpose": "supervision"}
    answer = Lifecycle(gateway).post("/v1/checks", asked, hunan)

    assert answer.status_code == 200, answer.json_body
    assert "110105***********X" in answer.body.decode()
    assert BIRTH[spelling] not in answer.body.decode()
