"""The input rules through the services that apply them: a push (entries and removals) and a
bulk upload. One poisoned entry, removal or line is reported on its field and changes nothing
else; a repeated JSON key refuses a push whole and one bulk line alone; birth dates are judged
against the injected clock's day in Beijing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from builders import (
    entry,
    make_resident_id,
    make_uscc,
    person,
    removal,
    sign_headers,
    signed_push,
)
from test_bulk_ingest import Gateway as BulkGateway
from test_bulk_ingest import ndjson, row
from test_ingest import Gateway, lid

from gateway.intake.push import PushResult
from gateway.strict_json import DuplicateKey
from gateway_client.contract.clock import FixedClock, china_date

# 00:30 on 3 June in Beijing, still 2 June in UTC: "today" is Beijing's.
JUST_AFTER_MIDNIGHT = datetime(2025, 6, 2, 16, 30, tzinfo=UTC)


def errors_of(result: PushResult) -> list[tuple[str, int, str, str]]:
    return [(e.list, e.index, e.field, e.code) for e in result.errors]


def born(day: datetime, days: int = 0) -> str:
    return make_resident_id(birth=f"{china_date(day) + timedelta(days=days):%Y%m%d}")


def test_one_entry_with_a_control_character_is_rejected_and_the_others_are_stored() -> None:
    gw = Gateway()
    good = [entry(credit_code=make_uscc(1)), entry(credit_code=make_uscc(2))]
    poisoned = entry(credit_code=make_uscc(3), reason="有履行能力\u202e而拒不履行")

    result = gw.push([good[0], poisoned, good[1]])

    assert errors_of(result) == [("entries", 1, "reason", "control_character")]
    assert (result.accepted, result.rejected) == (2, 1)
    assert set(gw.store.listings) == {lid(good[0]), lid(good[1])}


def test_a_multi_paragraph_reason_is_stored_as_written() -> None:
    gw = Gateway()
    reason = "一、有履行能力而拒不履行；\r\n二、违反限制消费令。\n\t（详见判决书）"

    result = gw.push([entry(reason=reason)])

    assert errors_of(result) == []
    assert gw.store.listings[lid(entry())].reason == reason


def test_a_removal_with_a_control_character_in_its_note_is_rejected_alone() -> None:
    gw = Gateway()
    gw.push([entry()], batch_id="b-1")
    headers, body = signed_push(
        gw.city,
        "441800",
        [],
        "b-2",
        gw.clock.now(),
        removals=[removal(note="已撤销\x1b[2J"), removal(source_sequence=2)],
    )

    result = gw.service.push(headers, body)

    assert errors_of(result) == [("removals", 0, "note", "control_character")]
    assert result.removed == 1


def test_a_push_with_a_repeated_key_is_refused_whole_and_writes_no_listing() -> None:
    gw = Gateway()
    _, body = signed_push(gw.city, "441800", [entry(), entry()], "b-1", gw.clock.now())
    body = body.replace(b'"reason": ', b'"reason": "x", "reason": ', 1)

    with pytest.raises(DuplicateKey) as caught:
        gw.service.push(sign_headers(gw.city, "b-1", body, gw.clock.now()), body)

    assert caught.value.context["path"] == "entries.0.reason"
    assert gw.store.listings == {}


@pytest.mark.parametrize(
    ("days", "refused"), [(0, False), (1, True)], ids=["born today", "born tomorrow"]
)
def test_birth_dates_are_judged_against_the_clocks_day_in_beijing(days: int, refused: bool) -> None:
    gw = Gateway(clock=FixedClock(JUST_AFTER_MIDNIGHT))
    subject = born(JUST_AFTER_MIDNIGHT, days)
    partner = entry(
        credit_code=make_uscc(9),
        responsible_persons=[person(id_number=born(JUST_AFTER_MIDNIGHT, days))],
    )

    result = gw.push([entry(credit_code=subject, subject_name="张某"), partner])

    expected = [
        ("entries", 0, "credit_code", "invalid_birth_date"),
        ("entries", 1, "responsible_persons.0.id_number", "invalid_birth_date"),
    ]
    assert errors_of(result) == (expected if refused else [])


@pytest.mark.parametrize("birth", ["19990231", "18991231"], ids=["31 February", "1899"])
def test_impossible_and_too_early_births_are_rejected_for_subjects_and_persons(birth: str) -> None:
    gw = Gateway()
    code = make_resident_id(birth=birth)
    raw = [
        entry(credit_code=code, subject_name="张某"),
        entry(credit_code=make_uscc(9), responsible_persons=[person(id_number=code)]),
    ]

    result = gw.push(raw)

    assert errors_of(result) == [
        ("entries", 0, "credit_code", "invalid_birth_date"),
        ("entries", 1, "responsible_persons.0.id_number", "invalid_birth_date"),
    ]


def test_a_removal_naming_someone_born_after_today_is_rejected() -> None:
    gw = Gateway()
    future = born(gw.clock.now(), 1)
    headers, body = signed_push(
        gw.city, "441800", [], "b-1", gw.clock.now(), removals=[removal(credit_code=future)]
    )

    result = gw.service.push(headers, body)

    assert errors_of(result) == [("removals", 0, "credit_code", "invalid_birth_date")]


# --- bulk lines: the same validation, one line at a time ----------------------------------------


def test_bulk_lines_with_a_control_character_a_repeated_key_or_a_future_birth_fail_alone() -> None:
    gw = BulkGateway()
    tomorrow = born(gw.clock.now(), 1)
    lines: list[Any] = [
        row(1),
        row(2, subject_name="某某\x00有限公司"),
        '{"credit_code": "x", "credit_code": "y"}',
        row(4, responsible_persons=[person(id_number=tomorrow)]),
        row(5),
    ]

    upload = gw.run(ndjson(lines))

    assert [(e.line, e.field, e.code) for e in upload.errors] == [
        (2, "subject_name", "control_character"),
        (3, "credit_code", "duplicate_key"),
        (4, "responsible_persons.0.id_number", "invalid_birth_date"),
    ]
    assert (upload.accepted, upload.rejected) == (2, 3)
