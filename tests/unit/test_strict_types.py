"""Input is read in its fields' own JSON types, whichever way it arrives — a body
(``parse_request``), a pushed entry (``validate_each``) or an upload line (``parse_line``): a
boolean, string or float standing in for an integer, a string or number for a boolean, and an
epoch number, a string of digits or a datetime for a date are refused with the field's path."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from builders import entry
from hypothesis import given
from hypothesis import strategies as st

from gateway.intake.bulk import UploadManifest, parse_line
from gateway.validation import parse_request, validate_each
from gateway_client.contract import Line, ListingEntry, SchemaError

TODAY = date(2025, 6, 2)

NOT_AN_INT = (
    st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(0, 10**6).map(str)
)
NOT_A_BOOL = st.integers() | st.sampled_from(["yes", "true", "on", "1", ""])
NOT_A_DATE = st.integers(0, 2**31).flatmap(
    lambda n: st.sampled_from([n, str(n)])
) | st.sampled_from(["2024-03-01T00:00:00Z", "2024-03-01T00:00:00+08:00", "20240301"])
NOT_A_MOMENT = st.integers(0, 2**31).flatmap(lambda n: st.sampled_from([n, str(n), float(n)]))


def entry_codes(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """The entry's problems, pushed and as an upload line: both must say the same."""
    valid, errors = validate_each(ListingEntry, [raw], "entries", TODAY)
    line = parse_line(Line(1, 100, json.dumps(raw).encode()), TODAY)
    pushed = [(e.field, e.code) for e in errors]
    uploaded = [] if isinstance(line, ListingEntry) else [(e.field, e.code) for e in line]
    assert pushed == uploaded
    assert (valid == []) == bool(pushed)
    return pushed


def test_a_well_typed_entry_is_read_both_ways() -> None:
    assert entry_codes(entry()) == []


@given(NOT_AN_INT)
def test_a_sequence_that_is_no_integer_is_refused(value: Any) -> None:
    assert entry_codes(entry(source_sequence=value)) == [("source_sequence", "invalid_type")]


@given(NOT_A_DATE)
def test_a_decision_date_that_is_no_iso_date_is_refused(value: Any) -> None:
    assert entry_codes(entry(decided_on=value)) == [("decided_on", "invalid_date")]


@given(NOT_A_MOMENT)
def test_a_source_version_that_is_no_iso_datetime_is_refused(value: Any) -> None:
    assert entry_codes(entry(source_updated_at=value)) == [
        ("source_updated_at", "invalid_datetime")
    ]


MANIFEST = {
    "region": "230900",
    "upload_id": "u-1",
    "issued_at": "2025-06-02T09:00:00+08:00",
    "count": 1,
    "sha256": "0" * 64,
    "size": 10,
    "mode": "resync",
    "domains": ["court_defaulter"],
    "force": True,
}


def manifest_codes(**change: Any) -> list[tuple[str, str]]:
    body = json.dumps({**MANIFEST, **change}).encode()
    with pytest.raises(SchemaError) as refused:
        parse_request(UploadManifest, body)
    return [(p["path"], p["code"]) for p in refused.value.context["errors"]]


def test_a_well_typed_manifest_is_read() -> None:
    assert parse_request(UploadManifest, json.dumps(MANIFEST).encode()).force is True


@given(NOT_A_BOOL)
def test_a_force_flag_that_is_no_boolean_is_refused(value: Any) -> None:
    assert manifest_codes(force=value) == [("force", "invalid_type")]


@given(NOT_AN_INT)
def test_a_count_or_size_that_is_no_integer_is_refused(value: Any) -> None:
    assert manifest_codes(count=value) == [("count", "invalid_type")]
    assert manifest_codes(size=value) == [("size", "invalid_type")]
