"""A resident ID number spelt in ways NFKC leaves alone (review 362): other scripts' digits
(Arabic-Indic, Devanagari), Chinese numerals (〇一二…九), dingbat digits (❶, ➀), a mark after
each digit, a Greek or Cyrillic X, invisible characters between digits in text stored before
input refused them. Anyone reads the number; intake took it in free text and every view showed
it in full. It is found in the reading form and refused or masked where it is written."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ids_in_text import WRITING
from test_text_fields import problems

from gateway_client.contract import masking
from gateway_client.contract.masking import resident_id_in, resident_ids_masked
from gateway_client.contract.model import may_hold_id
from gateway_client.contract.reading import reading_form
from gateway_client.contract.reading_classes import READ_AS_DIGITS, READ_AS_NOTHING

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


def test_the_quick_tests_classes_are_the_reading_forms_of_every_code_point() -> None:
    """``READ_AS_DIGITS`` holds every character but ``\\d``'s whose reading form holds a digit,
    ``READ_AS_NOTHING`` every letter whose reading form holds no letter or digit (derived here
    from this Python's ``unicodedata``): the quick test must miss no spelling the ID test reads
    (review 364: ⼀, ㊀ and ﾞ passed it)."""
    digits, nothing = set(), set()
    for cp in range(0x80, sys.maxunicode + 1):
        char = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or re.match(r"\d", char):
            continue
        read = reading_form(char)
        if any(c.isascii() and c.isdigit() for c in read):
            digits.add(char)
        elif re.match(r"\w", char) and not any(c.isalnum() for c in read):
            nothing.add(char)
    classed = re.compile(f"[{READ_AS_DIGITS}]"), re.compile(f"[{READ_AS_NOTHING}]")
    everything = [chr(cp) for cp in range(sys.maxunicode + 1)]
    assert {c for c in everything if classed[0].match(c)} == digits
    assert {c for c in everything if classed[1].match(c)} == nothing


def test_separators_nfkc_composes_send_the_text_to_the_id_test() -> None:
    """``=`` and U+0338 between the card's groups (≠ once composed): the quick test judged the
    text as written, two characters a separator, and settled it; the ID test reads three."""
    text = "事由110105" + "=\u0338" * 3 + "19491231" + "=\u0338" * 2 + "002X"

    assert may_hold_id(text)
    assert resident_id_in(text) == (2, MASKED)
    assert resident_ids_masked(text) == f"事由{MASKED}"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("420281199503150210一", "420281***********0一"),
        (spelt(NUMBER, ["chinese"] * 17, "X"), MASKED),
        (NUMBER, MASKED),
    ],
)
@pytest.mark.parametrize("composed", ["\u1100\u1161", "\uff76\uff9e"])  # ᄀ+ᅡ (가), ｶ+ﾞ (ガ)
def test_a_number_in_text_nfkc_composes_across_characters_is_masked_where_it_is_written(
    number: str, masked: str, composed: str
) -> None:
    """Characters NFKC composes across pieces (decomposed Hangul, as macOS writes it; ｶﾞ): the
    places no longer mapped, and the whole text was shown in its reading form, 伍某 as 5某,
    the number's position off by one (review 364)."""
    text = f"{composed}伍某、陆某 事由{number}案 零售"

    assert resident_ids_masked(text) == f"{composed}伍某、陆某 事由{masked}案 零售"
    found = resident_id_in(text)
    assert found is not None
    assert found[0] == text.index(number)


SPELT_AS_A_READER_READS = {  # review 364
    "kangxi": "⼀⼀〇⼀〇五⼀九四九⼀⼆三⼀〇〇⼆X",
    "circled_ideographs": "㊀㊀〇㊀〇五㊀九四九㊀㊁三㊀〇〇㊁X",
    "sound_marks": "".join(c + "\uff9e" for c in NUMBER),
    "white_circle_zero": "一一○一○五一九四九一二三一○○二X",
    "suzhou": "〡〡0〡05〡〩4〩〡〢〣〡00〢X",
    "braille_blanks": "1101\u28000519\u28004912\u28003100\u28002X",
    "heavy_x": NUMBER[:17] + "\u2716",
    "box_x": NUMBER[:17] + "\u2573",
    "fillers": "\u3164".join(NUMBER),
    "halfwidth_fillers": "\uffa0".join(NUMBER),
}


@pytest.mark.parametrize("spelling", SPELT_AS_A_READER_READS)
def test_a_number_spelt_as_a_reader_reads_it_is_sent_on_found_and_masked(spelling: str) -> None:
    text = f"当事人（{SPELT_AS_A_READER_READS[spelling]}）于某日"

    assert may_hold_id(text)
    assert resident_id_in(text) == (4, MASKED)
    shown = resident_ids_masked(text)
    assert shown.startswith(f"当事人（{MASKED}")
    assert shown.endswith("）于某日")


@pytest.mark.parametrize(
    "text",
    [
        "事由420281199503150210①",
        "事由420281199503150210²",
        "事由٤٢٠٢٨١١٩٩٥٠٣١٥٠٢١٠一案",
        "事由" + "".join(c + "\u0301" for c in "420281199503150210") + "一案",
        "事由四二〇二八一一九九五〇三一五〇二一〇①",
    ],
)
def test_a_number_beside_a_digit_written_another_way_is_found(text: str) -> None:
    """19 digits in the NFKC and reading forms alike (review 364): each way digits are
    written is read apart from the others too."""
    found = resident_id_in(text)

    assert found is not None
    assert found[1] == "420281***********0"
    assert found[0] == 2
    assert "19950315" not in reading_form(resident_ids_masked(text))


def test_a_key_of_megabytes_is_read_only_as_far_as_it_is_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A body key is refused before anything is authenticated, quoted masked and cut: read
    whole, a 5 MB key in Chinese numerals took seconds (review 364)."""
    read: list[int] = []
    real = masking.resident_ids_masked
    monkeypatch.setattr(
        masking, "resident_ids_masked", lambda text: read.append(len(text)) or real(text)
    )
    key = spelt(NUMBER, ["chinese"] * 17, "X") + "，" + "一二三" * 2_000_000

    shown = masking.shown_input(key, 200)

    assert len(shown) == 200
    assert shown.startswith(MASKED)
    assert max(read) <= 200 + 256


def cn(number: str) -> str:
    return spelt(number, ["chinese"] * 17, "X")


@pytest.mark.parametrize(
    ("text", "at"),
    [
        (f"事由{cn('420281199503150210')}一案", 2),
        (f"第一{cn('420281199503150210')}", 2),
        (f"李四{cn(NUMBER)}一案", 2),
        (f"事由{cn(NUMBER)}一案", 2),
        (f"统一{cn(NUMBER)}", 2),
    ],
)
def test_a_number_in_chinese_numerals_beside_a_numeral_word_is_found(text: str, at: int) -> None:
    """19 numerals in a row in every form (review 366): a numeral beside a letter (一案, 第一,
    李四) is read as a word too."""
    found = resident_id_in(text)

    assert found is not None
    assert found[0] == at
    assert found[1][6:17] == "*" * 11
    assert "一九" not in resident_ids_masked(text)


@pytest.mark.parametrize("dropped", ["\u20dd", "\u0941", "\u200b", "\u3164"])
@pytest.mark.parametrize("pair", ["\uff76{}\uff9e", "\u1100{}\u1161"])
def test_only_the_number_is_masked_where_a_dropped_character_splits_a_composition(
    dropped: str, pair: str
) -> None:
    """ｶ, a character read as nothing, ﾞ: each two read alike apart and together, the three
    otherwise; the whole text's numerals were hidden and the position was off (review 366)."""
    lead = pair.format(dropped) + " 统一标准，事由"
    text = f"{lead}{NUMBER}，罚款壹佰元"

    assert resident_ids_masked(text) == f"{lead}{MASKED}，罚款壹佰元"
    assert resident_id_in(text) == (len(lead), MASKED)


def test_a_number_cut_past_what_is_read_of_a_long_key_shows_no_birth_date() -> None:
    """Its first digits within the limit, 300 marks before its last ones (review 366)."""
    key = "k" * 180 + "42028119950315" + "\u0301" * 300 + "0210" + "x" * 5000

    shown = masking.shown_input(key, 200)

    assert "19950315" not in reading_form(shown)


@pytest.mark.parametrize(
    "written",
    [
        "一一O一O五一九四九一二三一OO二X",
        "一一Ｏ一Ｏ五一九四九一二三一ＯＯ二X",
        NUMBER[:17] + "\u2717",
        NUMBER[:17] + "\u2718",
        "1101\U0001d1590519\U0001d1594912\U0001d1593100\U0001d1592X",
    ],
)
def test_look_alikes_a_reader_reads_are_read(written: str) -> None:
    """O for 〇 (二O二四年, very often typed so), ✗ ✘ for X, a blank notehead (review 366)."""
    text = f"事由（{written}）"

    assert may_hold_id(text)
    assert resident_id_in(text) == (3, MASKED)
    assert resident_ids_masked(text) == f"事由（{MASKED}）"


def test_a_letter_o_among_letters_is_no_zero() -> None:
    text = "ISO9001 and 1101O5 are no numbers; Room 1O1, too"
    assert resident_ids_masked(text) == text


def test_the_reading_forms_places_are_mapped_once_for_every_way_digits_are_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One text per way digits are written replaces characters one for one: mapped once per
    way, a field with a number in 58 scripts took half a second (review 366)."""
    ways = [chr(0x660 + int(d)) for d in "0123456789"], [chr(0x966 + int(d)) for d in "0123456789"]
    text = "，".join(
        "".join(digits[int(c)] if c.isdigit() else c for c in NUMBER)
        for digits in (*ways, list("0123456789"), list("〇一二三四五六七八九"))
    )
    mapped: list[int] = []
    real = masking.written_spans
    monkeypatch.setattr(masking, "written_spans", lambda *args: mapped.append(1) or real(*args))

    assert resident_ids_masked(text) == "，".join([MASKED] * 4)
    assert len(mapped) <= 2  # the NFKC form's places and the reading form's, whatever the ways


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("Party 11O1O519491231OO2X refused to comply", 6),  # ASCII: the quick path settled it
        ("⒈ 张三 420281199503150210⒉ 李四", 5),  # ⒈ was written the ASCII digits' way
        ("事由11\u041e1\u041e519491231\u041e\u041e2X", 2),  # Cyrillic О
        ("事由11\u039f1\u039f519491231\u039f\u039f2X", 2),  # Greek Ο
        ("事由一一O一O五一九四九一二三一OO二X一案", 2),  # O and a numeral word together
        ("事由 1 1 O 1 O 5 1 9 4 9 1 2 3 1 O O 2 X", 3),  # O apart from the digits
    ],
)
def test_o_for_zero_and_list_markers_are_read_wherever_they_stand(text: str, at: int) -> None:
    """Review 368."""
    found = resident_id_in(text)

    assert may_hold_id(text)
    assert found is not None
    assert found[0] == at
    assert found[1][6:17] == "*" * 11
    assert "19491231" not in reading_form(resident_ids_masked(text)).replace(" ", "")
    assert "19950315" not in reading_form(resident_ids_masked(text))


@pytest.mark.parametrize(
    "number",
    ["11O1O519491231OO", "\u3164".join("42028119950315")],
)
def test_a_number_cut_past_what_is_read_at_an_o_or_a_filler_shows_no_birth_date(
    number: str,
) -> None:
    """An O for a zero or a filler ended the run hidden back from the cut (review 368)."""
    key = "k" * 180 + number + "\u0301" * 300 + "2X" + "x" * 5000

    shown = reading_form(masking.shown_input(key, 200)).replace("O", "0")

    assert "19491231" not in shown
    assert "19950315" not in shown


@pytest.mark.parametrize("composed", ["\uff76\uff9e", "\u1100\u1161"])
def test_text_ending_in_a_composition_is_masked_only_at_the_number(composed: str) -> None:
    """Mapped up to the number's end, ｶﾞ at the text's end was cut apart and every digit of the
    text hidden (review 368)."""
    text = f"罚款贰仟元，事由{cn(NUMBER)}{composed}"

    assert resident_ids_masked(text) == f"罚款贰仟元，事由{MASKED}{composed}"
    assert resident_id_in(text) == (8, MASKED)
