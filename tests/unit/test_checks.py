"""Batch checks and their signed reports, in the domain: each code answered as the one-stop
query answers it, each read once, every valid code in the trail, a report that verifies only
as issued and only under a key valid when it was issued."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import timedelta

import pytest
from builders import CITY, NOW, OTHER_COUNTY, RESIDENT_ID, USCC, agreement, listing, make_signer
from hypothesis import given
from hypothesis import strategies as st

from gateway.checks import CheckRequest, LogPosition, check, issue_report, openings
from gateway.recognition import Asked, Viewer, subject_view
from gateway_client.contract import Listing, PublishedKey, Purpose, mask, verify_report
from gateway_client.contract.reports import verification_code
from gateway_client.contract.signing import Ed25519Signer, public_key_text

HUNAN = "430000"
PROVINCE = Viewer(kind="region", region=HUNAN, key_id="k-hunan")
HELD = {
    USCC: [listing(region=OTHER_COUNTY, origin_region=OTHER_COUNTY)],
    RESIDENT_ID: [listing(credit_code=RESIDENT_ID, region=CITY)],
}


class Reads:
    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def __call__(self, codes: Sequence[str]) -> dict[str, list[Listing]]:
        self.asked.append(list(codes))
        return {code: HELD.get(code, []) for code in codes}


def run(codes: list[str], viewer: Viewer = PROVINCE, reads: Reads | None = None):
    request = CheckRequest(codes=tuple(codes), purpose=Purpose.SUPERVISION)
    return check(request, viewer, reads or Reads(), [agreement()], NOW)


def test_each_code_is_the_one_stop_view_of_the_same_caller_and_is_read_once():
    reads = Reads()
    checked = run([USCC, USCC.lower(), "x", RESIDENT_ID], reads=reads)

    first, again, bad, person = checked.outcome.results
    single = subject_view(HELD[USCC], HUNAN, [agreement()], NOW.date(), PROVINCE)
    assert first.subject == single
    assert again.error is not None
    assert again.error.code == "duplicate_code"
    assert reads.asked == [sorted({USCC, RESIDENT_ID})]
    assert bad.error is not None
    assert (bad.error.path, bad.credit_code) == ("codes[2]", None)
    assert person.credit_code == person.subject.credit_code  # as the view shows it
    assert checked.outcome.summary.checked == 4


def test_a_region_that_may_not_see_a_persons_number_gets_it_masked():
    gansu = Viewer(kind="region", region="620000", key_id="k-gansu")  # no agreement with 广东
    checked = run([RESIDENT_ID], gansu)

    [result] = checked.outcome.results
    assert result.credit_code == mask(RESIDENT_ID)
    assert result.credit_code != RESIDENT_ID


def test_the_trail_has_one_entry_per_distinct_valid_code_found_or_not():
    unlisted = "91430100MA4L00000F"
    checked = run([USCC, USCC, unlisted, "x"])
    asked = Asked(PROVINCE, Purpose.SUPERVISION, HUNAN, NOW, timedelta(days=1), "chk_1")

    trail = dict(checked.trail(asked))

    assert set(trail) == {USCC, unlisted}
    assert trail[USCC].listing_ids == tuple(x.listing_id for x in HELD[USCC])
    assert trail[unlisted].listing_ids == ()
    assert {e.check_id for e in trail.values()} == {"chk_1"}


GATEWAY = make_signer("gw-1")


def published(signer: Ed25519Signer = GATEWAY, **validity) -> list[PublishedKey]:
    return [
        PublishedKey(
            key_id=signer.key_id, public_key=public_key_text(signer.private_key), **validity
        )
    ]


OPENING_KEY = b"k" * 32


def report_of(codes: list[str]):
    checked = run(codes)
    opened = openings(checked.outcome, checked.codes, OPENING_KEY)
    position = LogPosition(sequence=7, root="ab" * 32)
    return issue_report(checked.outcome, "k-hunan", position, GATEWAY, checked.codes, opened)


def test_a_report_verifies_as_issued_under_a_key_valid_when_it_was_issued():
    report = report_of([USCC, "x"]).model_dump(mode="json")

    assert verify_report(report, published()).ok
    expired = published(valid_until=NOW - timedelta(seconds=1))
    assert not verify_report(report, expired).ok
    assert not verify_report(report, published(make_signer("gw-1"))).ok  # another key


@given(st.sampled_from(["found", "credit_code", "purpose", "asked_by", "issued_at", "log"]))
def test_changing_any_signed_field_is_caught(field: str):
    report = report_of([USCC]).model_dump(mode="json")
    tampered = copy.deepcopy(report)
    content = tampered["content"]
    if field in ("found", "credit_code"):
        content["results"][0][field] = "changed"
    elif field == "log":
        content["log"]["sequence"] += 1
    elif field == "issued_at":
        content["issued_at"] = (NOW + timedelta(seconds=1)).isoformat()
    else:
        content[field] = "changed"

    verdict = verify_report(tampered, published())

    assert not verdict.ok
    assert any("signature does not verify" in p for p in verdict.problems)


@pytest.mark.parametrize("broken", [None, [], {"content": 1}, {"content": {}}])
def test_a_file_that_is_not_a_report_is_named_so_not_raised(broken):
    assert not verify_report(broken, published()).ok


def test_the_verification_code_is_80_bits_of_the_signed_bytes_in_groups():
    code = verification_code({"report_id": "chk_1"})
    assert len(code) == 19
    assert [len(g) for g in code.split("-")] == [4, 4, 4, 4]
    assert code != verification_code({"report_id": "chk_2"})
