"""``validate_each`` validates a whole list in one call and goes item by item only when an
item is bad; both ways must give what validating each item alone gives (``one_by_one``, the
former implementation, kept as the oracle, reading each item as strict JSON as input is read) —
the same models, indexes and errors."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from builders import ABSENT, RESIDENT_ID, entry, make_uscc, person, red_entry, removal
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gateway.lifecycle import Removal
from gateway.validation import EntryError, Section, error_code, field_path, validate_each
from gateway_client.contract import Intake, ListingEntry

TODAY = date(2025, 6, 2)
GOOD = (
    entry(),
    red_entry(),
    entry(credit_code=make_uscc(5), responsible_persons=[person(id_number=RESIDENT_ID)]),
)
BAD = (
    entry(domain="no_such_domain"),
    entry(severity=ABSENT),
    entry(credit_code="123"),
    entry(subject_name="有\u202e控制符"),
    entry(responsible_persons=[person(id_number="11010520991231002X")]),  # born after today
    entry(extra_field=1),
    {"credit_code": 5},
    "not an object",
    None,
)


def one_by_one(
    model: type[BaseModel], raw_items: list[Any], section: Section, today: date
) -> tuple[list[tuple[int, BaseModel]], list[EntryError]]:
    valid: list[tuple[int, BaseModel]] = []
    errors: list[EntryError] = []
    for index, raw in enumerate(raw_items):
        try:
            judged = model.model_validate_json(json.dumps(raw), strict=True, context=Intake(today))
            valid.append((index, judged))
        except ValidationError as exc:
            errors += [
                EntryError(
                    list=section,
                    index=index,
                    field=field_path(e["loc"]),
                    code=error_code(e["type"]),
                    message=e["msg"],
                )
                for e in exc.errors(include_url=False)
            ]
    return valid, errors


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(GOOD) | st.sampled_from(BAD), max_size=12))
def test_entries_validate_as_they_would_one_by_one(raw: list[Any]) -> None:
    valid, errors = validate_each(ListingEntry, raw, "entries", TODAY)
    expected_valid, expected_errors = one_by_one(ListingEntry, raw, "entries", TODAY)
    assert valid == expected_valid
    assert [m.model_fields_set for _, m in valid] == [m.model_fields_set for _, m in expected_valid]
    assert errors == expected_errors


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from((removal(), removal(red_entry()), {"kind": "black"})), max_size=6))
def test_removals_validate_as_they_would_one_by_one(raw: list[Any]) -> None:
    assert validate_each(Removal, raw, "removals", TODAY) == one_by_one(
        Removal, raw, "removals", TODAY
    )


def test_the_samples_are_what_they_claim() -> None:
    """Both ways are exercised: the good samples pass, each bad one fails."""
    assert len(validate_each(ListingEntry, list(GOOD), "entries", TODAY)[0]) == len(GOOD)
    for bad in BAD:
        assert validate_each(ListingEntry, [bad], "entries", TODAY)[0] == []
