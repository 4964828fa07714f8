"""A resident ID number spelt in ways NFKC leaves alone (review 362): other scripts' digits
(Arabic-Indic, Devanagari), Chinese numerals (〇一二…九), dingbat digits (❶, ➀), a mark after
each digit, a Greek or Cyrillic X, invisible characters between digits in text stored before
input refused them. Anyone reads the number; intake took it in free text and every view showed
it in full. It is found in the reading form and refused or masked where it is written."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ids_in_text import WRITING
from test_text_fields import problems

from gateway_client.contract.masking import resident_id_in, resident_ids_masked
from gateway_client.contract.model import BECOMES_DIGIT_OR_SEPARATOR, OTHER_DIGITS, may_hold_id
from gateway_client.contract.reading import reading_form

NUMBER = "11010519491231002X"
MASKED = "110105***********X"

SPELLINGS = {
    "ascii": lambda d: d,
    "arabic_indic": lambda d: chr(0x660 + int(d)),
    "devanagari": lambda d: chr(0x966 + int(d)),
    "chinese": lambda d: "〇一二三四五六七八九"[int(d)],
    "financial": lambda d: "零壹贰叁肆伍陆柒捌玖"[int(d)],
    "dingbat": lambda d: "⓿❶❷❸❹❺❻❼❽❾"[int(d)],
    "parenthesised": lambda d: "0⑴⑵⑶⑷⑸⑹⑺⑻⑼"[int(d)],
    "marked": lambda d: d + "\u0301\u0323",
}
X_SPELLINGS = ("X", "\u03a7", "\u0425", "\u0445", "\u00d7")


def spelt(number: str, digit_spellings: list[str], x: str, between: str = "") -> str:
    digits = [SPELLINGS[s](d) for s, d in zip(digit_spellings, number[:17], strict=True)]
    last = x if number[17] == "X" else SPELLINGS[digit_spellings[-1]](number[17])
    return between.join([*digits, last])


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("x", X_SPELLINGS)
def test_a_number_spelt_in_one_way_is_found_and_masked_where_it_is_written(
    spelling: str, x: str
) -> None:
    written = spelt(NUMBER, [spelling] * 17, x)
    text = f"当事人张某（{written}）于某日"

    assert may_hold_id(text)
    assert resident_id_in(text) == (6, MASKED)
    assert resident_ids_masked(text) == f"当事人张某（{MASKED}）于某日"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(SPELLINGS)), min_size=17, max_size=17),
    st.sampled_from(X_SPELLINGS),
    st.sampled_from(("", " ", "\u200b", "\u00ad", "\u200b\u200b\u00ad")),
    st.text(alphabet="事由某案，。、 abc", max_size=8),
    st.text(alphabet="事由某案，。、 abc", max_size=8),
)
def test_a_number_spelt_any_mix_of_ways_is_never_shown(
    spellings: list[str], x: str, between: str, before: str, after: str
) -> None:
    """Mixed spellings, separators and invisible characters (text stored before input refused
    them): the quick test sends the text on, and no view shows the birth date."""
    text = before + spelt(NUMBER, spellings, x, between) + after

    assert may_hold_id(text)
    found = resident_id_in(text)
    assert found is not None
    assert found[1] == MASKED
    shown = resident_ids_masked(text)
    assert MASKED in shown
    assert before in shown
    assert after in shown


@pytest.mark.parametrize("field", WRITING, ids=str)
def test_input_refuses_a_number_in_chinese_numerals_on_its_field(field) -> None:
    value = "当事人" + spelt(NUMBER, ["chinese"] * 17, "X")
    assert problems(field, value) == [(field.path, "id_number_in_text")]


@pytest.mark.parametrize(
    "text",
    [
        "事由420281199503150210一案",  # 一 after a number: the NFKC form finds it
        "❶420281199503150210",  # a bullet before it
        "420281199503150210\u0301一",
    ],
)
def test_a_numeral_beside_a_number_in_ascii_digits_does_not_hide_it(text: str) -> None:
    assert resident_id_in(text) is not None
    assert "199503150" not in resident_ids_masked(text)


def test_text_of_chinese_numerals_that_is_no_number_is_left_as_it_is() -> None:
    for text in (
        "一九九五年三月十五日",
        "第一二三四五六七八九〇一二三四五六七八条",
        "壹佰贰拾叁元整",
    ):
        assert resident_ids_masked(text) == text
        assert resident_id_in(text) is None


def test_every_digit_nfkc_leaves_alone_sends_text_to_the_id_test() -> None:
    """``OTHER_DIGITS`` holds every character with a digit value that ``\\d`` does not match
    and NFKC makes no digit of (derived here from this Python's ``unicodedata``)."""
    other = re.compile(f"[{OTHER_DIGITS}]")
    derived = {
        chr(cp)
        for cp in range(0x80, sys.maxunicode + 1)
        if unicodedata.digit(chr(cp), None) is not None
        and not re.match(r"\d", chr(cp))
        and not BECOMES_DIGIT_OR_SEPARATOR.match(chr(cp))
    }
    classed = {chr(cp) for cp in range(sys.maxunicode + 1) if other.match(chr(cp))}
    assert classed == derived


def test_separators_nfkc_composes_send_the_text_to_the_id_test() -> None:
    """``=`` and U+0338 between the card's groups (≠ once composed): the quick test judged the
    text as written, two characters a separator, and settled it; the ID test reads three."""
    text = "事由110105" + "=\u0338" * 3 + "19491231" + "=\u0338" * 2 + "002X"

    assert may_hold_id(text)
    assert resident_id_in(text) == (2, MASKED)
    assert resident_ids_masked(text) == f"事由{MASKED}"


@pytest.mark.parametrize(
    "number", ["420281199503150210一", spelt(NUMBER, ["chinese"] * 17, "X"), NUMBER]
)
def test_a_number_in_text_no_place_of_which_maps_is_shown_with_no_digit(number: str) -> None:
    """Hangul jamo that NFKC composes across characters: no form's places map to the text's,
    so where the number stands is unknown (a fallback to the reading form showed one beside
    一 joined to it, in full): every digit is hidden."""
    text = f"\u1100\u1161 事由{number}案"

    shown = resident_ids_masked(text)

    assert resident_id_in(text) is not None
    assert not any(reading_form(c).isdigit() for c in shown)
    assert shown.startswith("\u1100\u1161 事由")
    assert shown.endswith("案")
