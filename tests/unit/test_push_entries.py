"""Per-entry validation of a push: one error per bad field, good entries unaffected."""

from __future__ import annotations

from typing import Any

import pytest
from builders import ABSENT, NOW, RESIDENT_ID, entry, red_entry

from gateway.intake.push import validate_entries
from gateway_client.contract.clock import china_date
from gateway_client.contract.listing import ListingEntry

TODAY = china_date(NOW)


def errors_of(*raw: Any) -> list[tuple[int, str, str]]:
    _, errors = validate_entries(list(raw), TODAY)
    return [(error.index, error.field, error.code) for error in errors]


def test_a_valid_black_entry_passes() -> None:
    valid, errors = validate_entries([entry()], TODAY)
    assert (len(valid), errors) == (1, [])


def test_a_valid_red_entry_passes() -> None:
    valid, errors = validate_entries([red_entry()], TODAY)
    assert (len(valid), errors) == (1, [])


def test_a_valid_entry_keeps_its_index_in_the_batch() -> None:
    valid, _ = validate_entries([entry(domain="nope"), entry()], TODAY)
    assert [(index, type(item)) for index, item in valid] == [(1, ListingEntry)]


def test_a_black_entry_without_legal_basis_is_rejected() -> None:
    assert errors_of(entry(legal_basis=ABSENT)) == [(0, "legal_basis", "missing_legal_basis")]


def test_a_black_entry_with_a_blank_legal_basis_is_rejected() -> None:
    assert errors_of(entry(legal_basis="   ")) == [(0, "legal_basis", "missing_legal_basis")]


def test_a_red_entry_needs_no_legal_basis() -> None:
    assert errors_of(red_entry(legal_basis=ABSENT)) == []


def test_a_domain_outside_the_catalogue_is_rejected() -> None:
    assert errors_of(entry(domain="jaywalking")) == [(0, "domain", "unknown_domain")]


def test_a_red_list_domain_on_a_black_entry_is_a_kind_mismatch() -> None:
    assert errors_of(entry(domain="a_grade_taxpayer")) == [(0, "domain", "domain_kind_mismatch")]


def test_valid_from_before_the_decision_is_out_of_order() -> None:
    raw = entry(decided_on="2025-03-01", valid_from="2025-02-28")
    assert errors_of(raw) == [(0, "valid_from", "dates_out_of_order")]


def test_valid_until_equal_to_valid_from_is_out_of_order() -> None:
    raw = entry(valid_from="2025-03-02", valid_until="2025-03-02")
    assert errors_of(raw) == [(0, "valid_until", "dates_out_of_order")]


def test_valid_until_before_valid_from_is_out_of_order() -> None:
    raw = entry(valid_from="2025-03-02", valid_until="2025-01-01")
    assert errors_of(raw) == [(0, "valid_until", "dates_out_of_order")]


def test_an_open_ended_validity_is_allowed() -> None:
    assert errors_of(entry(valid_until=None)) == []


@pytest.mark.parametrize("name", ["credit_code", "subject_name", "deciding_authority", "reason"])
def test_a_missing_required_field_is_reported_by_name(name: str) -> None:
    assert errors_of(entry(**{name: ABSENT})) == [(0, name, "missing_field")]


@pytest.mark.parametrize("raw", ["a string", 42, None, ["a", "list"]])
def test_an_entry_that_is_not_an_object_is_an_invalid_type(raw: Any) -> None:
    assert errors_of(raw) == [(0, "", "invalid_type")]


def test_a_black_entry_without_severity_is_rejected() -> None:
    assert errors_of(entry(severity=ABSENT)) == [(0, "severity", "missing_severity")]


def test_a_red_entry_with_a_severity_is_rejected() -> None:
    assert errors_of(red_entry(severity="general")) == [(0, "severity", "unexpected_severity")]


def test_a_wrong_check_character_in_the_credit_code_is_reported() -> None:
    raw = entry(credit_code="91110000600037341M")
    assert errors_of(raw) == [(0, "credit_code", "invalid_check_character")]


def test_an_unknown_field_is_rejected() -> None:
    assert errors_of(entry(nickname="x")) == [(0, "nickname", "unknown_field")]


def test_a_naive_update_time_is_an_invalid_datetime() -> None:
    raw = entry(source_updated_at="2025-03-02T08:00:00")
    assert errors_of(raw) == [(0, "source_updated_at", "invalid_datetime")]


def test_a_bad_responsible_person_id_is_reported_with_its_path() -> None:
    person = {"name": "张三", "role": "principal", "id_number": RESIDENT_ID[:17] + "3"}
    raw = entry(responsible_persons=[person])
    assert errors_of(raw) == [(0, "responsible_persons.0.id_number", "invalid_check_character")]


def test_each_bad_field_of_an_entry_is_its_own_error() -> None:
    raw = entry(legal_basis=ABSENT, subject_name=ABSENT)
    assert sorted(errors_of(raw)) == [
        (0, "legal_basis", "missing_legal_basis"),
        (0, "subject_name", "missing_field"),
    ]


def test_bad_entries_do_not_sink_the_good_ones_in_the_same_batch() -> None:
    batch = [entry(), entry(domain="nope"), "junk", red_entry(), entry(legal_basis=ABSENT)]
    valid, errors = validate_entries(batch, TODAY)
    assert ([index for index, _ in valid], sorted({e.index for e in errors})) == (
        [0, 3],
        [1, 2, 4],
    )


def test_a_red_entry_with_a_blank_legal_basis_is_told_to_leave_it_out() -> None:
    assert errors_of(red_entry(legal_basis="\u3000")) == [(0, "legal_basis", "blank_text")]
