"""A signed check report binds each number it shows masked (review 138 F1): every resident ID
sharing a mask reads the same in a report, so a report on one person passed for a report on
another. The report signs a commitment per masked number; the asker alone gets its opening,
which proves the report is about that number and no other (``report_codes``)."""

from __future__ import annotations

import json

import pytest
from builders import NOW, USCC, make_signer
from masked_persons import APPLICANT, OTHER
from test_checks import PROVINCE, Reads

from gateway.checks import CheckRequest, LogPosition, check, issue_report, openings
from gateway_client.contract import PublishedKey, Purpose, mask, verify_report
from gateway_client.contract.report_codes import code_commitment, opening_at, place_in
from gateway_client.contract.signing import public_key_text

GATEWAY = make_signer("gw-1")
KEYS = [PublishedKey(key_id="gw-1", public_key=public_key_text(GATEWAY.private_key))]
KEY = b"o" * 32


def _issued(codes: list[str]) -> tuple[dict[str, object], tuple[str | None, ...]]:
    request = CheckRequest(codes=tuple(codes), purpose=Purpose.SUPERVISION)
    checked = check(request, PROVINCE, Reads(), [], NOW)
    opened = openings(checked.outcome, checked.codes, KEY)
    position = LogPosition(sequence=0, root="00" * 32)
    report = issue_report(checked.outcome, "k-hunan", position, GATEWAY, checked.codes, opened)
    return report.model_dump(mode="json"), opened


def test_a_masked_number_is_committed_and_its_opening_proves_whom_the_report_is_about() -> None:
    assert mask(APPLICANT) == mask(OTHER)
    report, opened = _issued([USCC, APPLICANT])

    [_, opening] = opened
    assert opened[0] is None  # a code shown in full needs none
    assert opening == opening_at(KEY, 1)
    assert report["content"]["codes"] == [USCC, mask(APPLICANT)]
    assert report["content"]["commitments"] == [None, code_commitment(APPLICANT, opening)]
    assert APPLICANT not in json.dumps(report)
    proved = verify_report(report, KEYS, opened=(APPLICANT.lower(), opening))
    assert (proved.ok, proved.about) == (True, 1)


@pytest.mark.parametrize("who", ["another person with the same mask", "a wrong opening"])
def test_the_report_is_not_shown_to_be_about_another_number(who: str) -> None:
    report, opened = _issued([APPLICANT])
    opening = opened[0]
    assert opening is not None
    given = (OTHER, opening) if who.startswith("another") else (APPLICANT, opening_at(KEY, 7))

    verdict = verify_report(report, KEYS, opened=given)

    assert not verdict.ok
    assert verdict.problems == (
        f"the report commits to no {mask(APPLICANT)} under that opening: it is not shown to "
        "be about that number",
    )


def test_a_bulk_check_s_line_is_found_in_its_result_file() -> None:
    content = {"results_file": {"sha256": "00" * 32, "lines": 2}}
    opening = opening_at(KEY, 3)
    lines = [
        {"line": 2, "credit_code": USCC, "found": False},
        {
            "line": 3,
            "credit_code": mask(APPLICANT),
            "commitment": code_commitment(APPLICANT, opening),
        },
    ]
    results = "\n".join(json.dumps(x) for x in lines).encode() + b"\n"

    assert place_in(content, results, APPLICANT, opening) == 3
    with pytest.raises(ValueError, match="give it"):
        place_in(content, None, APPLICANT, opening)
    with pytest.raises(ValueError, match="not shown"):
        place_in(content, results, OTHER, opening)


@pytest.mark.parametrize(
    ("code", "opening", "says"),
    [("not-a-code", "00" * 32, "not a unified"), (APPLICANT, "zz", "64 lowercase hex")],
)
def test_a_malformed_number_or_opening_is_said_so(code: str, opening: str, says: str) -> None:
    report, _ = _issued([APPLICANT])

    verdict = verify_report(report, KEYS, opened=(code, opening))

    assert not verdict.ok
    assert says in verdict.problems[0]


def test_a_result_line_nested_too_deep_holds_no_commitment_and_raises_nothing() -> None:
    """Review 140: ``verify-report --code`` crashed on such a file (RecursionError)."""
    content = {"results_file": {"sha256": "00" * 32, "lines": 1}}

    with pytest.raises(ValueError, match="not shown"):
        place_in(content, b"[" * 200_000 + b"\n", APPLICANT, opening_at(KEY, 1))
