"""No resident ID number in text: every text field of every input refuses a valid one with
``id_number_in_text`` on that field, naming it masked only; text that merely looks like one (a
case or account number failing the check, a masked number, a company's code) passes; and a
record stored before the rule is read back as it was."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import pytest
from builders import entry
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from test_text_fields import FIELDS, TODAY, Field, problems, read_back

from gateway.lifecycle.requests import ObjectionFiling
from gateway.validation import parse_request
from gateway_client.contract.errors import SchemaError
from gateway_client.contract.listing import ListingEntry
from gateway_client.contract.masking import mask_ids_in, resident_ids_masked
from gateway_client.contract.model import BECOMES_DIGIT_OR_SEPARATOR, Intake

PERSON = "420281199503150210"
FIRST_GENERATION = "420281950315021"  # PERSON as issued before 1999: 15 digits (review 182)
ENDS_IN_X = "42028119950315000X"
WIDE = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
FULL_WIDTH = PERSON.translate(WIDE)
OBJECTION = Field(
    ObjectionFiling, lambda: {"objection_id": "o-1", "reason": "有异议"}, "objection_id"
)


def refused_on_its_field(field: Field, value: str) -> bool:
    found = problems(field, value)
    return bool(found) and all(problem == (field.path, "id_number_in_text") for problem in found)


WRITTEN = [
    PERSON,
    FULL_WIDTH,
    ENDS_IN_X.lower(),
    ENDS_IN_X.translate(WIDE),  # a full-width Ｘ too
    f"{PERSON[:6]} {PERSON[6:14]} {PERSON[14:]}",  # 6-8-4, as on the card
    f"{PERSON[:6]}-{PERSON[6:14]}-{PERSON[14:]}",
    f"{PERSON[:6]} - {PERSON[6:14]} - {PERSON[14:]}",  # spaces round a dash
    f"{PERSON[:6]}/{PERSON[6:14]}/{PERSON[14:]}",
    f"{PERSON[:6]} {PERSON[6:14]}  {PERSON[14:]}",  # two spaces
    f"{PERSON[:6]}·{PERSON[6:14]}·{PERSON[14:]}",  # a middle dot
    # no decimal digits (no \d), but digits once NFKC reads them (review 46a)
    PERSON.translate(str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")),
    PERSON.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
    f"{PERSON[:6]}－{PERSON[6:14]}－{PERSON[14:]}",  # full-width hyphen-minus
    # in the card's groups, any separator that is no letter or digit (reviews 306, 308)
    *(f"{PERSON[:6]}{sep}{PERSON[6:14]}{sep}{PERSON[14:]}" for sep in (",", "，", "、", ":", "+")),
    f"{FIRST_GENERATION[:6]}、{FIRST_GENERATION[6:12]}、{FIRST_GENERATION[12:]}",
    f"{PERSON[:6]}, {PERSON[6:14]},{PERSON[14:]}",  # the separators as typed, unlike (315)
    f"{PERSON[:6]}，{PERSON[6:14]}, {PERSON[14:]}",
    FIRST_GENERATION,
    f"{FIRST_GENERATION[:6]} {FIRST_GENERATION[6:12]} {FIRST_GENERATION[12:]}",
    FIRST_GENERATION.translate(WIDE),
]


NAMING = {"Removal.deciding_authority", "Removal.decision_number"}
WRITING = [f for f in FIELDS if str(f) not in NAMING]


@pytest.mark.parametrize("field", WRITING, ids=str)
@pytest.mark.parametrize("written", WRITTEN, ids=str)
def test_a_resident_id_number_in_any_text_field_is_refused_on_it(
    field: Field, written: str
) -> None:
    value = f"王某（公民身份号码：{written}）" if field.path != "name" else f"王某{written}"
    assert refused_on_its_field(field, value)


@pytest.mark.parametrize("field", [f for f in FIELDS if str(f) in NAMING], ids=str)
def test_a_removal_still_names_a_listing_stored_with_a_number_in_its_decision(field: Field) -> None:
    """Stored before the rule, such a listing must still be taken off its list."""
    assert problems(field, f"（2023）{PERSON}号") == []


def test_an_objection_id_that_is_an_id_number_is_refused() -> None:
    """It is written into the listing's history, which regions without purpose read."""
    assert refused_on_its_field(OBJECTION, PERSON)
    assert refused_on_its_field(OBJECTION, f"{PERSON[:6]}:{PERSON[6:14]}:{PERSON[14:]}")


@pytest.mark.parametrize(
    ("number", "masked"),
    [(PERSON, "420281***********0"), (FIRST_GENERATION, "420281********1")],
)
def test_the_message_names_the_number_masked_and_where_it_is(number: str, masked: str) -> None:
    with pytest.raises(SchemaError) as caught:
        parse_request(ListingEntry, json.dumps(entry(reason=f"号码{number}")).encode(), TODAY)
    message = caught.value.context["errors"][0]["message"]
    assert message.startswith(f"a resident ID number ({masked}) at position 2")
    assert number not in json.dumps(caught.value.context, ensure_ascii=False)


LOOKALIKES = {
    "wrong check character": PERSON[:-1] + "1",
    "impossible birth date": "420281199502310216",
    "masked": "420281***********0",
    "a company's code of digits": "914403007100000000",
    "a company's code": "91440300MA5DXXXX43",
    "a longer account number": "6222" + PERSON,
    "15 digits with no birth date": "420281951315021",  # month 13
    "15 digits of no division": "000000950315021",
    "an old registration number (注册号)": "310115000727378",  # 1900-07-27: review 183
    "another": "110108000123459",
    "a case number of a division and a year": "〔2011〕230902201112345",  # 1920: review 186
    "a tax registration number": "税务登记号：440301711019845",
    "a taxpayer number": "纳税人识别号440301711019845",
    "an individual business's registration number": "营业执照注册号 320102610123456",
    "16 digits": "4" + FIRST_GENERATION,
    # what a separator class as wide as the groups' read as IDs (review 312)
    "a date-time range": "2025-09-27 19:32:09—2025-07-09 08:30:44",
    "a mobile and a landline": "13054376121，0451-02148278",
    "a list of amounts": "269,698.45、944,318.74、10,288.58",
}


@pytest.mark.parametrize("text", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_text_that_only_looks_like_an_id_number_passes(text: str) -> None:
    assert problems(FIELDS[1], f"案号{text}号") == []


around = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("，。：（）() -_/#号码ABCxyz"),
    ),
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(around, around, st.sampled_from([PERSON, FULL_WIDTH, ENDS_IN_X]))
def test_a_number_is_caught_whatever_text_stands_around_it(
    before: str, after: str, number: str
) -> None:
    assert refused_on_its_field(FIELDS[1], f"事由{before}{number}{after}")


def test_a_listing_stored_before_the_rule_is_read_back_as_it_was() -> None:
    assert read_back(reason=f"号码{PERSON}").reason == f"号码{PERSON}"


def test_a_bulk_line_is_judged_as_input_even_where_no_date_is_known() -> None:
    with pytest.raises(ValidationError) as caught:
        ListingEntry.model_validate(entry(reason=f"号码{PERSON}"), context=Intake(None))
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [
        (("reason",), "id_number_in_text")
    ]


def test_every_character_nfkc_reads_as_a_digit_or_separator_sends_text_to_the_id_test() -> None:
    """The quick test (``may_hold_id``) must miss no spelling the ID test would catch: every
    character that is no digit or separator as written but holds one in NFKC form is in its
    class (derived here from this Python's ``unicodedata``)."""
    plain = re.compile(r"[\d\s\-\u2010-\u2015\u2212_./\u00b7\u30fb]")
    derived = {
        chr(cp)
        for cp in range(sys.maxunicode + 1)
        if not plain.match(chr(cp)) and plain.search(unicodedata.normalize("NFKC", chr(cp)))
    }
    classed = {
        c for c in map(chr, range(sys.maxunicode + 1)) if BECOMES_DIGIT_OR_SEPARATOR.match(c)
    }
    assert classed == derived


def test_a_first_generation_number_stored_before_the_rule_is_shown_masked() -> None:
    """What a view shows of text stored before input refused 15-digit numbers (review 182)."""
    shown = resident_ids_masked(f"法定代表人王某（{FIRST_GENERATION}）")
    assert shown == "法定代表人王某（420281********1）"
    assert mask_ids_in(f"id={FIRST_GENERATION}") == "id=420281********1"  # a log line
