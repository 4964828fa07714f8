"""Text fields hold text: every text field of every input model refuses control characters and
bidirectional formatting characters with ``control_character`` on that field, and text of
spaces alone with ``blank_text``; free text keeps its tabs and line breaks, ordinary Chinese
text passes, and stored records are not re-judged."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from builders import NOW, agreement_terms, entry, measure, person, removal
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gateway.delivery.subscription import SubscriptionRequest
from gateway.lifecycle.requests import ObjectionDecision, ObjectionFiling, Removal, RepairRequest
from gateway.recognition.agreement import AgreementTerms
from gateway.recognition.feedback import FeedbackReport
from gateway.registry import Region
from gateway.validation import parse_request
from gateway_client.contract.clock import china_date
from gateway_client.contract.errors import SchemaError
from gateway_client.contract.listing import Listing, ListingEntry
from gateway_client.contract.model import Intake

TODAY = china_date(NOW)

FORBIDDEN = {
    "NUL": "\x00",
    "bell": "\x07",
    "vertical tab": "\x0b",
    "escape": "\x1b",
    "unit separator": "\x1f",
    "delete": "\x7f",
    "C1 next line": "\x85",
    "C1 CSI": "\x9b",
    "C1 APC": "\x9f",
    "LRE embedding": "\u202a",
    "RLO override": "\u202e",
    "LRI isolate": "\u2066",
    "PDI isolate": "\u2069",
    "LRM mark": "\u200e",
    "RLM mark": "\u200f",
    "ALM mark": "\u061c",
    "combining grapheme joiner": "\u034f",
    "variation selector": "\ufe0f",
    "ideographic variation selector": "\U000e0100",
    "Hangul filler": "\u3164",
    "tag space": "\U000e0020",
    "interlinear annotation": "\ufff9",
    "noncharacter U+FFFF": "\uffff",
    "noncharacter U+FFFE": "\ufffe",
    "noncharacter U+FDD0": "\ufdd0",
    "noncharacter U+10FFFF": "\U0010ffff",
}
# refused in input after listings were stored holding them: a removal names those as stored
REFUSED_SINCE_STORED = frozenset(
    "\u034f\ufe0f\U000e0100\u3164\U000e0020\ufff9\uffff\ufffe\ufdd0\U0010ffff"
)
NAMING = {"Removal.deciding_authority", "Removal.decision_number"}  # name what is stored
LINE_BREAKS = {"line feed": "\n", "tab": "\t", "CR LF": "\r\n"}
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), besides the format
# characters (Cf) ``unicodedata`` names: invisible, so a name holding one reads as another.
DEFAULT_IGNORABLE = frozenset(
    chr(c)
    for first, last in (
        (0x00AD, 0x00AD),
        (0x034F, 0x034F),
        (0x061C, 0x061C),
        (0x115F, 0x1160),
        (0x17B4, 0x17B5),
        (0x180B, 0x180F),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x206F),
        (0x3164, 0x3164),
        (0xFE00, 0xFE0F),
        (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0),
        (0xFFF0, 0xFFF8),
        (0x13430, 0x1343F),  # Egyptian format controls (Cf from Unicode 15)
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0000, 0xE0FFF),
    )
    for c in range(first, last + 1)
)


@dataclass(frozen=True)
class Field:
    """One text field of an input model: where it is in a valid body, and whether it is free
    text (tabs and line breaks allowed)."""

    model: type[BaseModel]
    body: Callable[[], dict[str, Any]]
    path: str
    multi_line: bool = False

    def __str__(self) -> str:
        return f"{self.model.__name__}.{self.path}"

    def with_value(self, value: str) -> bytes:
        raw = self.body()
        *parents, last = self.path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value
        return json.dumps(raw, ensure_ascii=False).encode()


def _entry_with_person() -> dict[str, Any]:
    return entry(responsible_persons=[person()])


def _decision() -> dict[str, Any]:
    return {
        "outcome": "corrected",
        "note": "经核查",
        "corrected_entry": entry(),
        "source_updated_at": "2025-05-01T08:00:00+08:00",
    }


def _feedback() -> dict[str, Any]:
    executed = {
        "measure_id": "strict_licensing_review",
        "department": "清远市市场监督管理局",
        "executed_on": "2025-05-01",
        "result": "executed",
        "note": "已从严审核",
    }
    return {"delivery_id": "msg_" + "0" * 32, "measures": [executed]}


def _agreement() -> dict[str, Any]:
    return agreement_terms(measures=[measure().model_dump(mode="json")])


FIELDS = (
    Field(ListingEntry, _entry_with_person, "subject_name"),
    Field(ListingEntry, _entry_with_person, "reason", multi_line=True),
    Field(ListingEntry, _entry_with_person, "legal_basis", multi_line=True),
    Field(ListingEntry, _entry_with_person, "deciding_authority"),
    Field(ListingEntry, _entry_with_person, "decision_number"),
    Field(ListingEntry, _entry_with_person, "responsible_persons.0.name"),
    Field(Removal, removal, "deciding_authority"),
    Field(Removal, removal, "decision_number"),
    Field(Removal, lambda: removal(note="已履行"), "note", multi_line=True),
    Field(ObjectionFiling, lambda: {"objection_id": "o-1", "reason": "有异议"}, "reason", True),
    Field(ObjectionDecision, _decision, "note", multi_line=True),
    Field(ObjectionDecision, _decision, "corrected_entry.subject_name"),
    Field(
        RepairRequest,
        lambda: {"reason": "已整改", "source_updated_at": NOW.isoformat()},
        "reason",
        multi_line=True,
    ),
    Field(AgreementTerms, _agreement, "title"),
    Field(AgreementTerms, _agreement, "measures.0.text"),
    Field(AgreementTerms, _agreement, "measures.0.department"),
    Field(
        SubscriptionRequest,
        lambda: {"region": "430000", "url": "https://x.example.cn/h", "description": "湖南"},
        "description",
    ),
    Field(FeedbackReport, _feedback, "measures.0.department"),
    Field(FeedbackReport, _feedback, "measures.0.note", multi_line=True),
    Field(Region, lambda: {"code": "441800", "name": "清远市"}, "name"),
)


def problems(field: Field, value: str) -> list[tuple[str, str]]:
    """(path, code) of every problem with ``value`` in ``field``, judged as a request body."""
    try:
        parse_request(field.model, field.with_value(value), TODAY)
    except SchemaError as exc:
        return [(p["path"], p["code"]) for p in exc.context["errors"]]
    return []


def refused_on_its_field(field: Field, value: str) -> bool:
    """Refused with ``control_character`` on that field and for nothing else (not even that a
    list which must not be empty is "too short" once its only item fails: review 45 F3)."""
    return problems(field, value) == [(field.path, "control_character")]


def test_every_field_is_valid_as_built() -> None:
    assert {str(f): problems(f, "清远某某有限公司") for f in FIELDS} == {str(f): [] for f in FIELDS}


@pytest.mark.parametrize("field", FIELDS, ids=str)
@pytest.mark.parametrize("char", FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_a_control_or_bidi_character_is_refused_on_its_field(field: Field, char: str) -> None:
    if str(field) in NAMING and char in REFUSED_SINCE_STORED:
        assert problems(field, f"清远{char}某某公司") == []  # names a listing as stored
    else:
        assert refused_on_its_field(field, f"清远{char}某某公司")


@pytest.mark.parametrize("field", [f for f in FIELDS if f.multi_line], ids=str)
@pytest.mark.parametrize("brk", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_free_text_keeps_its_tabs_and_line_breaks(field: Field, brk: str) -> None:
    assert problems(field, f"第一段{brk}第二段") == []


@pytest.mark.parametrize("field", [f for f in FIELDS if f.multi_line], ids=str)
def test_free_text_refuses_a_carriage_return_without_its_line_feed(field: Field) -> None:
    assert refused_on_its_field(field, "已履行\r未履行")


@pytest.mark.parametrize("field", [f for f in FIELDS if not f.multi_line], ids=str)
@pytest.mark.parametrize("brk", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_a_name_or_number_holds_no_tab_or_line_break(field: Field, brk: str) -> None:
    assert refused_on_its_field(field, f"清远{brk}某某公司")


def test_the_message_names_the_character_and_where_it_is() -> None:
    with pytest.raises(SchemaError) as caught:
        parse_request(ListingEntry, FIELDS[0].with_value("某某\u202e司公"), TODAY)
    assert caught.value.context["errors"][0]["message"].startswith("U+202E at position 2 ")


chinese = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("，。、；：（）《》〔〕【】“”()-·0123456789ABCXYZ 　"),
    ),
    min_size=1,
    max_size=60,
).filter(lambda text: text.strip())


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FIELDS), chinese)
def test_ordinary_chinese_text_passes_every_field(field: Field, text: str) -> None:
    assert problems(field, text) == []


def refused_as_line(text: str) -> bool:
    """The rule, from Unicode's own categories: Cc is exactly U+0000–001F and U+007F–009F."""
    return any(
        unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
        or c in DEFAULT_IGNORABLE
        or noncharacter(c)
        for c in text
    )


def noncharacter(c: str) -> bool:
    """Unicode's 66 noncharacters: U+FDD0–U+FDEF and U+xFFFE, U+xFFFF in every plane."""
    return 0xFDD0 <= ord(c) <= 0xFDEF or ord(c) & 0xFFFE == 0xFFFE


def refused_as_prose(text: str) -> bool:
    return refused_as_line(text.replace("\r\n", "").replace("\n", "").replace("\t", ""))


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40), st.booleans())
def test_any_text_is_refused_exactly_when_it_holds_a_forbidden_character(
    text: str, multi_line: bool
) -> None:
    field = FIELDS[1] if multi_line else FIELDS[0]  # reason, subject_name
    refused = refused_as_prose(text) if multi_line else refused_as_line(text)
    codes = {code for _, code in problems(field, text)}
    assert ("control_character" in codes) == refused


# a black entry's blank legal basis is a missing one, as it was before blank text was refused
BLANK = {"ListingEntry.legal_basis": "missing_legal_basis"}


@pytest.mark.parametrize("field", [f for f in FIELDS if str(f) not in NAMING], ids=str)
@pytest.mark.parametrize("blank", [" ", "\u3000", "\u00a0", "\u3000 \u00a0"], ids=ascii)
def test_a_blank_text_is_refused_on_its_field(field: Field, blank: str) -> None:
    assert problems(field, blank) == [(field.path, BLANK.get(str(field), "blank_text"))]


@pytest.mark.parametrize("field", [f for f in FIELDS if f.multi_line], ids=str)
def test_free_text_of_line_breaks_alone_is_blank(field: Field) -> None:
    assert problems(field, "\n\t\r\n") == [(field.path, BLANK.get(str(field), "blank_text"))]


@pytest.mark.parametrize("field", [f for f in FIELDS if str(f) in NAMING], ids=str)
def test_a_removal_names_a_listing_stored_with_a_blank_number(field: Field) -> None:
    assert problems(field, "\u3000") == []


def read_back(**fields: str) -> Listing:
    """An entry accepted before a rule, as the listings table gives it back (no intake)."""
    held = ListingEntry.model_validate(entry(**fields))
    stored = {
        **held.model_dump(mode="json"),
        "listing_id": "lst_" + "0" * 32,
        "version": "v",
        "subject_type": "legal_person",
        "origin_region": "441800",
        "provenances": ["441800"],
        "accepted_at": NOW.isoformat(),
    }
    return Listing.model_validate_json(json.dumps(stored))


def test_a_stored_listing_is_not_judged_again_when_read_back() -> None:
    """Accepted before these rules, a listing with a tab in its name, or a blank decision
    number, must stay readable."""
    read = read_back(subject_name="清远\t某某公司", reason="事由\x0b续", decision_number=" ")
    assert (read.subject_name, read.reason, read.decision_number) == (
        "清远\t某某公司",
        "事由\x0b续",
        " ",
    )


def test_text_is_judged_as_input_even_where_no_date_is_known() -> None:
    """The bulk file's first pass validates without ``today``; text rules still apply."""
    with pytest.raises(ValidationError) as caught:
        ListingEntry.model_validate(entry(subject_name="清远\x00公司"), context=Intake(None))
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [
        (("subject_name",), "control_character")
    ]


@pytest.mark.parametrize(
    "hidden", ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u2028"], ids=ascii
)
def test_a_decision_number_with_an_invisible_character_is_refused(hidden: str) -> None:
    codes = {code for _, code in problems(FIELDS[4], f"(2026)黑09执{hidden}999号")}

    assert "control_character" in codes
