"""The bulk file itself: splitting it into numbered lines in any chunking, parsing a line, the
first pass (hash, size, count, identities) the gateway and the client must agree on, the
removal safety catch, and the manifest's own rules."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from builders import ABSENT, entry, make_uscc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gateway.intake.bulk import (
    MAX_CHECK_LINES,
    LineError,
    UploadManifest,
    parse_line,
    removal_refusal,
)
from gateway.intake.file_check import FileCheck, Held
from gateway.validation import schema_error
from gateway_client import uploader as bulk_client
from gateway_client.contract import ndjson
from gateway_client.contract.listing import ListingEntry, identity_of
from gateway_client.contract.ndjson import MAX_LINE_BYTES, Line, lines_of
from gateway_client.uploader import describe

ISSUED_AT = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
TODAY = date(2025, 6, 2)
SHA = "0" * 64

# --- models and strategies ---------------------------------------------------------------------


def expected_lines(content: bytes, limit: int = MAX_LINE_BYTES) -> list[Line]:
    """The model: split on b"\\n", number from 1, keep what is not blank (however long a
    blank line is), flagged overlong past ``limit``."""
    found: list[Line] = []
    position = 0
    for number, raw in enumerate(content.split(b"\n"), start=1):
        end = min(position + len(raw) + 1, len(content))
        if raw.strip() and len(raw) > limit:
            found.append(Line(number, end, b"", True))
        elif raw.strip():
            found.append(Line(number, end, raw, False))
        position += len(raw) + 1
    return found


def chunked(content: bytes, cuts: Sequence[int]) -> Iterator[bytes]:
    """``content`` cut at ``cuts`` (any order, repeats give empty chunks)."""
    start = 0
    for cut in sorted(cuts):
        yield content[start:cut]
        start = cut
    yield content[start:]


PIECES = [b"\n", b"\n", b"a", b"{}", b" ", b"\t", b"\r", b"\r\n", b"\xff", b"\xe4\xb8\xad", b"xyz"]
structured = st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join)
contents = st.one_of(st.binary(max_size=300), structured)


@st.composite
def with_cuts(draw: st.DrawFn, content: bytes) -> list[int]:
    return draw(st.lists(st.integers(0, len(content)), max_size=12))


def lines_in(content: bytes, cuts: Sequence[int], limit: int) -> list[Line]:
    with mock.patch.object(ndjson, "MAX_LINE_BYTES", limit):
        return list(lines_of(chunked(content, cuts)))


# --- lines_of ----------------------------------------------------------------------------------


@given(content=contents, limit=st.integers(1, 12), data=st.data())
def test_lines_are_the_non_blank_lines_of_the_file_in_any_chunking(
    content: bytes, limit: int, data: st.DataObject
) -> None:
    cuts = data.draw(with_cuts(content))
    assert lines_in(content, cuts, limit) == expected_lines(content, limit)


@given(content=contents, limit=st.integers(1, 12), data=st.data())
def test_a_read_resumed_after_any_line_yields_exactly_the_lines_after_it(
    content: bytes, limit: int, data: st.DataObject
) -> None:
    lines = lines_in(content, data.draw(with_cuts(content)), limit)
    for at, line in enumerate(lines):
        rest = content[line.end :]
        cuts = data.draw(with_cuts(rest))
        with mock.patch.object(ndjson, "MAX_LINE_BYTES", limit):
            resumed = list(
                lines_of(chunked(rest, cuts), start_line=line.number, start_offset=line.end)
            )
        assert resumed == lines[at + 1 :]


long_lines = st.builds(
    lambda size, filler: filler * size,
    st.integers(MAX_LINE_BYTES - 2, MAX_LINE_BYTES + 2),
    st.sampled_from([b"x", b"{", b" "]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.one_of(long_lines, st.sampled_from([b"", b" ", b"{}", b"ab"])), max_size=5),
    data=st.data(),
)
def test_the_real_line_limit_flags_overlong_lines_in_any_chunking(
    parts: list[bytes], data: st.DataObject
) -> None:
    content = b"\n".join(parts) + data.draw(st.sampled_from([b"", b"\n"]))
    cuts = data.draw(with_cuts(content))
    lines = list(lines_of(chunked(content, cuts)))
    assert lines == expected_lines(content)
    for at, line in enumerate(lines):
        rest = content[line.end :]
        resumed = lines_of(chunked(rest, [len(rest) // 3]), line.number, line.end)
        assert list(resumed) == lines[at + 1 :]


def test_a_line_of_exactly_the_limit_is_kept_and_one_byte_more_is_overlong() -> None:
    at_limit, over = b"y" * MAX_LINE_BYTES, b"z" * (MAX_LINE_BYTES + 1)
    content = at_limit + b"\n" + over + b"\n{}"

    lines = list(lines_of([content[:1000], content[1000:70_000], content[70_000:]]))

    assert [(x.number, x.text, x.overlong) for x in lines] == [
        (1, at_limit, False),
        (2, b"", True),
        (3, b"{}", False),
    ]
    assert [x.end for x in lines] == [MAX_LINE_BYTES + 1, 2 * MAX_LINE_BYTES + 3, len(content)]


def test_blank_lines_are_skipped_but_numbered() -> None:
    lines = list(lines_of([b"\n  \n{}\r\n\t\n{}"]))
    assert [(x.number, x.text, x.end) for x in lines] == [(3, b"{}\r", 8), (5, b"{}", 12)]


def test_a_blank_line_past_the_limit_is_skipped_but_numbered() -> None:
    """A check file's line of spaces past its 4 KiB: counted by the manifest's reading (the
    entries' limit) as blank, it was refused as overlong by the check's (review 397)."""
    content = b" " * 5000 + b"\r\n" + b"{}\n" + b"x" * 5000

    lines = list(lines_of([content[:3000], content[3000:]], most=4096))

    assert [(x.number, x.text, x.overlong) for x in lines] == [(2, b"{}", False), (3, b"", True)]


def test_an_empty_stream_yields_nothing() -> None:
    assert list(lines_of([])) == []
    assert list(lines_of([b"", b""])) == []


# --- parse_line --------------------------------------------------------------------------------


def line_of(raw: Any, number: int = 7) -> Line:
    text = raw if isinstance(raw, bytes) else json.dumps(raw, ensure_ascii=False).encode()
    return Line(number, 100, text)


def codes(parsed: ListingEntry | list[LineError]) -> list[tuple[int, str, str]]:
    assert isinstance(parsed, list)
    return [(error.line, error.field, error.code) for error in parsed]


def test_a_valid_line_parses_to_its_entry() -> None:
    parsed = parse_line(line_of(entry()), TODAY)
    assert parsed == ListingEntry.model_validate(entry())


def test_a_valid_line_ending_in_a_carriage_return_parses() -> None:
    parsed = parse_line(Line(1, 10, json.dumps(entry()).encode() + b"\r"), TODAY)
    assert isinstance(parsed, ListingEntry)


@pytest.mark.parametrize(
    "text",
    [b"{", b"not json", b"\xff\xfe{}", b'{"a": 1} trailing', b"[" * 100_000],
    ids=["truncated", "text", "not-utf8", "trailing", "deep"],
)
def test_a_line_that_is_not_json_is_malformed(text: bytes) -> None:
    assert codes(parse_line(Line(4, 10, text), TODAY)) == [(4, "", "malformed_json")]


def test_a_lone_surrogate_in_a_value_is_malformed_json_as_in_a_body() -> None:
    """Review 48: Python's JSON reads ``"\\ud800"``, pydantic's does not; the line was answered
    with pydantic's own ``json_invalid``, a code the contract does not have. At its field, as
    in a body (review 384)."""
    text = json.dumps({**entry(), "subject_name": "\ud800"}).encode()
    assert codes(parse_line(Line(4, 10, text), TODAY)) == [(4, "subject_name", "malformed_json")]


def test_an_overlong_line_is_line_too_long() -> None:
    parsed = parse_line(Line(9, 10, b"", overlong=True), TODAY)
    assert codes(parsed) == [(9, "", "line_too_long")]
    assert str(MAX_LINE_BYTES) in parsed[0].message  # type: ignore[index]


def test_json_that_is_not_an_object_is_an_invalid_type() -> None:
    assert codes(parse_line(line_of([1, 2]), TODAY)) == [(7, "", "invalid_type")]


def test_a_bad_credit_code_is_reported_on_its_field() -> None:
    assert codes(parse_line(line_of(entry(credit_code="123")), TODAY)) == [
        (7, "credit_code", "invalid_credit_code")
    ]


def test_a_wrong_check_character_has_its_own_code() -> None:
    good = make_uscc(42)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert codes(parse_line(line_of(entry(credit_code=bad)), TODAY)) == [
        (7, "credit_code", "invalid_check_character")
    ]


def test_every_problem_of_a_line_is_reported_with_its_field_path() -> None:
    raw = entry(
        domain="no_such_domain",
        reason=ABSENT,
        responsible_persons=[{"name": "张某", "role": "boss"}],
        extra="x",
    )
    assert sorted(codes(parse_line(line_of(raw, number=3), TODAY))) == [
        (3, "domain", "unknown_domain"),
        (3, "extra", "unknown_field"),
        (3, "reason", "missing_field"),
        (3, "responsible_persons.0.role", "invalid_value"),
    ]


def test_line_errors_keep_field_and_message_short() -> None:
    raw = entry()
    raw["x" * 500] = 1
    (error,) = parse_line(line_of(raw), TODAY)  # type: ignore[misc]
    assert error.code == "unknown_field"
    assert len(error.field) <= 200
    assert len(error.message) <= 300


# --- FileCheck and the client's describe -------------------------------------------------------


def manifest(**fields: Any) -> UploadManifest:
    base: dict[str, Any] = {
        "region": "441800",
        "upload_id": "u-1",
        "issued_at": ISSUED_AT,
        "count": 1,
        "sha256": SHA,
        "size": 1,
    }
    return UploadManifest.model_validate({**base, **fields})


def described(content: bytes, chunk: int) -> bulk_client.FileFacts:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.ndjson"
        path.write_bytes(content)
        with mock.patch.object(bulk_client, "_CHUNK", chunk):
            return describe(path)


@settings(max_examples=60, deadline=None)
@given(content=contents, data=st.data(), chunk=st.integers(1, 64))
def test_the_gateway_and_the_client_describe_a_file_alike(
    content: bytes, data: st.DataObject, chunk: int
) -> None:
    check = FileCheck(collect_identities=False, region="").run(
        chunked(content, data.draw(with_cuts(content)))
    )
    facts = described(content, chunk)

    assert check.sha256 == facts.sha256 == hashlib.sha256(content).hexdigest()
    assert check.size == facts.size == len(content)
    assert check.lines == facts.count == len(expected_lines(content))


def test_the_client_counts_overlong_lines_as_the_gateway_does() -> None:
    content = b"{}\n" + b"x" * (MAX_LINE_BYTES + 10) + b"\n\n  \n{}"
    facts = described(content, 1024 * 1024)
    check = FileCheck(collect_identities=True, region="420000").run([content[:5], content[5:]])
    assert (facts.count, facts.size, facts.sha256) == (check.lines, check.size, check.sha256)
    assert (check.lines, check.rejected) == (3, 3)


def entries_file(raws: Sequence[Any], gaps: bool = True) -> bytes:
    lines = [json.dumps(raw, ensure_ascii=False).encode() for raw in raws]
    separator = b"\n\n" if gaps else b"\n"
    return separator.join(lines) + b"\n"


def test_a_resync_check_holds_the_identities_of_valid_lines_only() -> None:
    kept = [entry(credit_code=make_uscc(i), decision_number=f"D{i}") for i in range(1, 6)]
    bad = entry(credit_code=make_uscc(99), decision_number="D99", reason=ABSENT)
    absent = entry(credit_code=make_uscc(77), decision_number="D77")
    content = entries_file([*kept, bad, b"not json".decode()])

    check = FileCheck(collect_identities=True, region="420000").run(
        chunked(content, [10, 500, 501])
    )

    assert (check.lines, check.rejected) == (7, 2)
    for raw in kept:
        assert check.holds(_held(raw))
    for raw in (absent, {**bad, "reason": "有"}):
        assert not check.holds(_held(raw))
    assert not check.holds(Held(make_uscc(1), "", "420000"))


def test_a_delta_check_collects_no_identities() -> None:
    raw = entry()
    check = FileCheck(collect_identities=False, region="").run([entries_file([raw])])
    assert check.lines == 1
    assert not check.holds(_held(raw))


def _held(raw: dict[str, Any]) -> Held:
    return Held(raw["credit_code"], identity_of(ListingEntry.model_validate(raw)), "420000")


def test_a_file_matching_its_manifest_is_no_mismatch() -> None:
    content = entries_file([entry(), entry(decision_number="D2")])
    check = FileCheck(collect_identities=False, region="").run([content])
    signed = manifest(count=2, size=len(content), sha256=hashlib.sha256(content).hexdigest())
    assert check.mismatch(signed) is None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"count": 3}, ["count"]),
        ({"size": 1}, ["size"]),
        ({"sha256": SHA}, ["sha256"]),
        ({"count": 9, "size": 9, "sha256": SHA}, ["count", "sha256", "size"]),
    ],
)
def test_a_mismatch_names_the_fields_that_differ(change: dict[str, Any], named: list[str]) -> None:
    content = entries_file([entry(), entry(decision_number="D2")])
    check = FileCheck(collect_identities=False, region="").run([content])
    facts = {"count": 2, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}

    refusal = check.mismatch(manifest(**{**facts, **change}))

    assert refusal is not None
    assert refusal.code == "upload_mismatch"
    assert refusal.message.endswith("in " + ", ".join(named))
    assert refusal.details == {"signed": {**facts, **change}, "uploaded": facts}


# --- the removal safety catch ------------------------------------------------------------------

RESYNC = {"mode": "resync", "domains": ["court_defaulter"]}


@pytest.mark.parametrize(
    ("absent", "held", "refused"),
    [
        (0, 1, False),
        (1, 10, False),
        (10, 100, False),
        (3, 30, False),
        (7, 70, False),
        (100_000, 1_000_000, False),
        (11, 100, True),
        (2, 19, True),
        (1, 9, True),
        (100_001, 1_000_000, True),
        (1, 1, True),
    ],
)
def test_the_threshold_allows_exactly_ten_percent(absent: int, held: int, refused: bool) -> None:
    refusal = removal_refusal(absent, held, 0.10, manifest(**RESYNC))
    assert (refusal is not None) is refused


@given(held=st.integers(1, 10_000_000), data=st.data())
def test_a_resync_is_refused_exactly_when_it_removes_over_a_tenth(
    held: int, data: st.DataObject
) -> None:
    absent = data.draw(st.integers(0, held))
    refusal = removal_refusal(absent, held, 0.10, manifest(**RESYNC))
    assert (refusal is not None) is (absent * 10 > held)


def test_a_refusal_says_how_much_would_go() -> None:
    refusal = removal_refusal(12, 100, 0.10, manifest(**RESYNC))
    assert refusal is not None
    assert refusal.code == "resync_threshold_exceeded"
    assert refusal.details == {"would_remove": 12, "held": 100, "threshold": 0.10}
    assert "12 of 100" in refusal.message


def test_force_overrides_the_threshold() -> None:
    assert removal_refusal(100, 100, 0.10, manifest(**RESYNC, force=True)) is None


def test_nothing_held_is_never_refused() -> None:
    assert removal_refusal(0, 0, 0.10, manifest(**RESYNC)) is None


def test_another_threshold_is_honoured() -> None:
    assert removal_refusal(25, 100, 0.25, manifest(**RESYNC)) is None
    assert removal_refusal(26, 100, 0.25, manifest(**RESYNC)) is not None


# --- the manifest ------------------------------------------------------------------------------


def error_types(**fields: Any) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        manifest(**fields)
    return [error["type"] for error in raised.value.errors()]


def test_a_delta_manifest_needs_no_domains() -> None:
    signed = manifest()
    assert (signed.mode, signed.domains, signed.force) == ("delta", (), False)


def test_a_resync_names_its_domains() -> None:
    signed = manifest(mode="resync", domains=["court_defaulter", "work_safety"], force=True)
    assert signed.domains == ("court_defaulter", "work_safety")
    assert signed.force


def test_a_resync_without_domains_is_rejected() -> None:
    assert error_types(mode="resync") == ["value_error"]
    assert error_types(mode="resync", domains=[]) == ["value_error"]


@pytest.mark.parametrize(
    "extra", [{"domains": ["court_defaulter"]}, {"force": True}], ids=["domains", "force"]
)
def test_a_delta_may_not_name_domains_or_force(extra: dict[str, Any]) -> None:
    assert error_types(**extra) == ["value_error"]


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"mode": "resync"}, "domains"),
        ({"domains": ["court_defaulter"]}, "domains"),
        ({"force": True}, "force"),
        ({"mode": "check"}, "purpose"),
        ({"purpose": "supervision"}, "purpose"),
        ({"as_region": "430000"}, "as_region"),
        ({"mode": "check", "purpose": "supervision", "count": MAX_CHECK_LINES + 1}, "count"),
    ],
)
def test_a_manifest_refused_for_its_mode_names_the_field_to_change(
    fields: dict[str, Any], path: str
) -> None:
    """Review 73 F1: these were reported at ``body``."""
    with pytest.raises(ValidationError) as raised:
        manifest(**fields)

    assert schema_error(raised.value).to_dict()["path"] == path


def test_an_unknown_domain_is_rejected() -> None:
    assert error_types(mode="resync", domains=["court_defaulter", "nope"]) == ["unknown_domain"]


@pytest.mark.parametrize(
    "bad",
    [
        {"count": 0},
        {"size": 0},
        {"sha256": "A" * 64},
        {"sha256": "0" * 63},
        {"mode": "full"},
        {"region": "44180"},
        {"upload_id": "-x"},
        {"issued_at": "2025-06-02T09:00:00"},
        {"extra": 1},
    ],
)
def test_a_manifest_out_of_shape_is_rejected(bad: dict[str, Any]) -> None:
    assert error_types(**bad)
