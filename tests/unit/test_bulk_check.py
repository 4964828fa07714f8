"""A bulk check in the domain: each line of the verified file answered as POST /v1/checks would,
lines that hold no code object reported as line errors, the trail written under the upload's
id, usage counted by distinct valid codes, and a manifest that keeps each mode's fields."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from builders import CITY, NOW, USCC, agreement, gateway_signers, listing, person
from fakes import InMemoryArchive, InMemoryTryCounter
from pydantic import ValidationError

from gateway.checks import BulkCheck, ReportSigning
from gateway.intake import MAX_CHECK_LINES, Upload, UploadManifest
from gateway.recognition import TryLimit
from gateway_client.contract import FixedClock, PublishedKey, lines_of, verify_report
from gateway_client.contract.signing import public_key_text
from gateway_client.tlog import EMPTY_ROOT

SIGNERS = gateway_signers("gw-test")
KEY = PublishedKey(key_id="gw-test", public_key=public_key_text(SIGNERS.ed25519.private_key))


def manifest(content: bytes, **mode: Any) -> UploadManifest:
    return UploadManifest.model_validate(
        {
            "region": "430000",
            "upload_id": "u-check-1",
            "issued_at": NOW.isoformat(),
            "count": len(content.splitlines()),
            "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content),
            **mode,
        }
    )


class Recorder:
    def __init__(self) -> None:
        self.trail: list[Any] = []
        self.usage: list[Any] = []

    def record_all(self, entries: Any) -> None:
        self.trail += entries

    def add(self, region: str, month: str, counts: Any, now: Any, once: Any = None) -> None:
        self.usage.append((region, month, dict(counts)))


class Answers:
    """``gateway.checks.bulk.Answers``: what was noted, which listings a purge erased."""

    def __init__(self, results: InMemoryArchive, erased: set[str] | None = None) -> None:
        self.results = results
        self.erased = erased or set()
        self.noted: list[tuple[list[str], str, str, Any, int]] = []
        self.destroyed: list[tuple[str, str]] = []

    def note(self, listing_ids: Any, region: str, upload_id: str, until: Any) -> None:
        self.noted.append((list(listing_ids), region, upload_id, until, len(self.results.objects)))

    def purged(self, listing_ids: Any) -> set[str]:
        return set(listing_ids) & self.erased

    def destroy(self, region: str, upload_id: str) -> int:
        self.destroyed.append((region, upload_id))
        return 1


def check_upload(content: bytes) -> Upload:
    """The upload of a check of ``content``, its file in place."""
    return Upload(
        manifest=manifest(content, mode="check", purpose="public_procurement"),
        key_id="k-hunan",
        object_key="check-inputs/430000/u-check-1.ndjson",
        created_at=NOW,
        updated_at=NOW,
    )


def bulk_check(
    read: Any,
    results: InMemoryArchive,
    seen: Recorder,
    at: Any = NOW,
    answers: Any = None,
    clock: Any = None,
    latest: Any = lambda: None,
) -> BulkCheck:
    """A bulk check reading ``read``, keeping its files in ``results``, its trail and usage in
    ``seen``, at ``at`` (or by ``clock``), the log's checkpoint read by ``latest``."""
    return BulkCheck(
        read,
        lambda: [agreement()],
        seen,
        lambda: b"k" * 32,
        results,
        seen,
        clock or FixedClock(at),
        timedelta(days=30),
        ReportSigning(lambda: SIGNERS.ed25519, latest),
        answers or Answers(results),
        TryLimit(InMemoryTryCounter(), 1000),
        lambda kind, asker, check_id: f"{kind}{asker}{check_id}".encode(),
    )


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b'{"credit_code": 123}', ("credit_code", "invalid_type")),
        (b'{"credit_code": "%s", "extra": 1}' % USCC.encode(), ("extra", "unknown_field")),
        (b"null", ("", "invalid_type")),
        (b'{"credit_code": "\\ud800"}', ("", "malformed_line")),
        (
            b'{"110105194912310021": 1, "110105194912310021": 2}',
            ("(not a field name)", "duplicate_key"),
        ),
    ],
    ids=["number", "extra", "null", "surrogate", "duplicate-key"],
)
def test_a_line_without_one_code_is_answered_on_its_field(
    line: bytes, error: tuple[str, str]
) -> None:
    """Review 48: every such line was ``malformed_line`` with no field."""
    content = line + b"\n"
    checker = bulk_check(lambda codes: {}, InMemoryArchive(), Recorder())

    done = checker.check(check_upload(content), lines_of([content]))

    assert [(e.line, e.field, e.code) for e in done.errors] == [(1, *error)]
    assert "110105194912310021" not in done.model_dump_json()


def test_each_line_is_answered_and_lines_without_a_code_are_line_errors():
    held = listing(region=CITY)
    body = "\n".join(
        [
            json.dumps({"credit_code": USCC}),
            "not json",
            json.dumps({"credit_code": "x"}),
            json.dumps({"code": USCC}),
            json.dumps({"credit_code": USCC.lower()}),
        ]
    ).encode()
    content = body + b"\n"
    upload = check_upload(content)
    results, seen = InMemoryArchive(), Recorder()
    checker = bulk_check(
        lambda codes: {c: [held] if c == USCC else [] for c in codes}, results, seen
    )

    done = checker.check(upload, lines_of([content]))

    kept, report = results.objects
    answered = [json.loads(x) for x in kept.body.decode().splitlines()]
    assert [x["line"] for x in answered] == [1, 3, 5]
    assert answered[0]["found"] is True
    assert answered[1]["error"]["code"] == "bad_request"
    assert answered[2]["error"]["code"] == "duplicate_code"
    # each error names its line's field, not its place among the block's codes (review 45 F2)
    assert {x["error"]["path"] for x in answered[1:]} == {"credit_code"}
    assert sorted((e.line, e.field, e.code) for e in done.errors) == [
        (2, "", "malformed_line"),
        (4, "code", "unknown_field"),  # each on its field (review 48)
        (4, "credit_code", "missing_field"),
    ]
    assert (done.status, done.accepted, done.found, done.rejected) == ("completed", 3, 1, 2)
    assert {e.check_id for _, e in seen.trail} == {"u-check-1"}
    assert seen.usage == [
        ("430000", f"{NOW:%Y-%m}", {"checks": 1, "codes_checked": 1, "reports": 1})
    ]
    assert (done.result_key, done.report_key) == (kept.key, report.key)
    signed = json.loads(report.body)
    assert verify_report(signed, [KEY]).ok
    assert signed["content"]["results_file"] == {
        "sha256": hashlib.sha256(kept.body).hexdigest(),
        "lines": 3,
    }
    summary = signed["content"]["summary"]
    assert (summary["checked"], summary["found"], signed["content"]["refused_lines"]) == (3, 1, 2)
    assert signed["content"]["log"] == {"sequence": 0, "root": EMPTY_ROOT.hex()}
    assert signed["content"]["as_region"] == "430000"  # the region applied: the asker's own


def test_a_run_cut_short_and_run_again_keeps_each_report_with_its_own_file():
    """Objects are written once: a second run must not sign over the first run's file."""
    content = json.dumps({"credit_code": USCC}).encode() + b"\n"
    upload = check_upload(content)
    results, seen = InMemoryArchive(), Recorder()
    listed: list[Any] = []

    def checker(at: Any) -> BulkCheck:
        return bulk_check(lambda codes: {code: listed for code in codes}, results, seen, at)

    first = checker(NOW).check(upload, lines_of([content]))
    listed.append(listing(region=CITY))  # listed between the two runs
    again = checker(NOW + timedelta(minutes=16)).check(upload, lines_of([content]))

    stored = {held.key: held.body for held in results.objects}
    for done in (first, again):
        report = json.loads(stored[done.report_key])
        digest = hashlib.sha256(stored[done.result_key]).hexdigest()
        assert report["content"]["results_file"]["sha256"] == digest
    assert first.result_key != again.result_key


def check_of(held: Any, answers_of: Any) -> tuple[Any, InMemoryArchive, Answers]:
    """One code, answered with ``held``."""
    content = json.dumps({"credit_code": USCC}).encode() + b"\n"
    upload = check_upload(content)
    results = InMemoryArchive()
    answers = answers_of(results)
    checker = bulk_check(
        lambda codes: {code: [held] for code in codes}, results, Recorder(), answers=answers
    )
    return checker.check(upload, lines_of([content])), results, answers


def test_a_listing_a_purge_may_erase_is_noted_with_the_upload_before_its_file_is_written():
    held = listing(region=CITY, responsible_persons=[person()])

    done, results, answers = check_of(held, Answers)

    until = NOW + timedelta(days=37)  # the file's 30 days, and a week for S3 to remove it
    assert answers.noted == [([held.listing_id], "430000", "u-check-1", until, 0)]
    assert (done.result_key, done.results_withdrawn_at) == (results.objects[0].key, None)
    assert answers.destroyed == []


def test_an_organisation_listing_naming_nobody_is_not_noted():
    """Never purged (kept): nothing for a purge to find."""
    done, _, answers = check_of(listing(region=CITY), Answers)

    assert answers.noted == []
    assert done.result_key is not None


def test_a_file_answering_with_a_listing_purged_while_the_check_ran_is_withdrawn():
    held = listing(region=CITY, responsible_persons=[person()])

    done, _, answers = check_of(held, lambda r: Answers(r, erased={held.listing_id}))

    assert answers.destroyed == [("430000", "u-check-1")]
    assert (done.status, done.result_key, done.results_withdrawn_at) == ("completed", None, NOW)
    assert done.report_key is not None  # the signed report stays: no personal data in it


@pytest.mark.parametrize(
    "mode",
    [
        {"mode": "check"},  # no purpose
        {"mode": "delta", "purpose": "supervision"},
        {"mode": "delta", "as_region": "430000"},
        {"mode": "check", "purpose": "supervision", "domains": ["court_defaulter"]},
    ],
)
def test_each_mode_keeps_its_own_fields(mode):
    with pytest.raises(ValidationError):
        manifest(b"{}\n", **mode)


def test_a_bulk_check_holds_at_most_a_hundred_thousand_codes():
    content = b"{}\n"
    raw = manifest(content, mode="check", purpose="supervision").model_dump()
    with pytest.raises(ValidationError):
        UploadManifest.model_validate({**raw, "count": MAX_CHECK_LINES + 1})
    assert UploadManifest.model_validate({**raw, "count": MAX_CHECK_LINES}).count == 100_000


class Ticking:
    """A clock a second later at each reading, and the readings of the lists and of the log
    position in the order they happened."""

    def __init__(self) -> None:
        self.at = NOW
        self.seen: list[tuple[str, Any]] = []

    def now(self) -> Any:
        self.at += timedelta(seconds=1)
        return self.at

    def note(self, what: str) -> None:
        self.seen.append((what, self.now()))


def test_a_bulk_report_is_issued_after_its_last_read_and_says_when_the_run_began():
    """Review 256: ``issued_at`` was the run's start, yet blocks are read for minutes after it,
    so the signed results could show a listing accepted after the time the report gives."""
    clock = Ticking()
    held = listing(region=CITY)

    def read(codes: Any) -> Any:
        clock.note("read")
        return {c: [held] if c == USCC else [] for c in codes}

    def latest() -> None:
        clock.note("log")

    content = b'{"credit_code": "%s"}\n' % USCC.encode()
    results = InMemoryArchive()
    checker = bulk_check(read, results, Recorder(), clock=clock, latest=latest)

    checker.check(check_upload(content), lines_of([content]))

    signed = json.loads(results.objects[-1].body)
    began = datetime.fromisoformat(signed["content"]["checked_from"])
    issued = datetime.fromisoformat(signed["content"]["issued_at"])
    assert [what for what, _ in clock.seen] == ["read", "log"]
    assert all(began < at < issued for _, at in clock.seen)
    verdict = verify_report(signed, [KEY])
    assert verdict.ok
    assert (verdict.checked_from, verdict.issued_at) == (began, issued)
