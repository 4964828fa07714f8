"""Review 48, F1: a region shown a person masked (``110105***********X``) could complete the
number through the batch and bulk checks, a thousand and a hundred thousand candidates at a
time, where the one-stop query allows sixty a minute. Every route that confirms a number now
counts each natural person's code as a try at its mask, per region and Beijing day, and
refuses past ``CG_TRIES_PER_MASKED_NUMBER_PER_DAY``: nothing checked, nothing recorded."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import time_machine
from app_support import GUANGDONG, Gateway, error_code
from personal_support import PERSON, Askers, person_entry
from stdnum.cn import ric, uscc
from upload_support import ask, put_file, uploaded

import app as gateway_app
from chalicelib import checks_api
from chalicelib.bootstrap import container
from chalicelib.s3_archive import S3Archive
from gateway_client.contract import CHINA
from gateway_client.contract.codes import mask

OTHER_MASK = "420281199607020349"  # another area: a try at another mask


def candidates(count: int, like: str = PERSON) -> list[str]:
    """Valid numbers behind ``like``'s mask (same area, same check digit), ``like`` first."""
    found = [like]
    for serial in range(1000):
        body = f"{like[:14]}{serial:03d}"
        if ric.calc_check_digit(body + "0") == like[17] and body + like[17] != like:
            found.append(body + like[17])
        if len(found) == count:
            return found
    raise AssertionError("not enough candidates")


def company(serial: int) -> str:
    """A valid unified social credit code (a company's: never a try)."""
    body = f"91441800{serial:09d}"
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def askers(gateway: Gateway) -> Askers:
    askers = Askers(gateway).register()
    askers.push("owner", person_entry())
    return askers


def check(askers: Askers, codes: list[str], role: str = "no_agreement") -> Any:
    body = json.dumps({"codes": codes, "purpose": "supervision"}).encode()
    return askers.gateway.post_signed("/v1/checks", askers.signers[role], None, body)


def trail_codes(aws: Any) -> set[str]:
    items = aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Items"]
    return {json.loads(i["doc"]["S"])["masked_code"] for i in items}


def test_a_batch_check_of_one_masks_candidates_is_refused_past_the_days_tries(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    gateway.configure(tries_per_masked_number_per_day="5")
    guesses = candidates(6)

    refused = check(askers, guesses)

    assert (refused.status_code, error_code(refused)) == (429, "rate_limited")
    assert refused.json_body["error"]["path"] == "codes[0]"
    assert trail_codes(aws) == set()  # nothing checked, nothing recorded
    assert check(askers, guesses[1:]).status_code == 200  # five: within the day's tries
    again = check(askers, [guesses[0]])
    assert (again.status_code, error_code(again)) == (429, "rate_limited")
    assert PERSON not in again.body.decode()


def test_the_limit_is_per_mask_and_per_region(askers: Askers, gateway: Gateway) -> None:
    gateway.configure(tries_per_masked_number_per_day="3")
    assert check(askers, candidates(3)).status_code == 200

    other_mask = check(askers, candidates(3, OTHER_MASK))
    other_region = check(askers, candidates(3), role="agreement")
    over = check(askers, [candidates(4)[3]])

    assert (other_mask.status_code, other_region.status_code) == (200, 200)
    assert (over.status_code, error_code(over)) == (429, "rate_limited")


def test_a_refused_batch_counts_none_of_its_tries(askers: Askers, gateway: Gateway) -> None:
    """All or none: the masks within the limit are given back when another refuses the check."""
    gateway.configure(tries_per_masked_number_per_day="3")
    other = candidates(4, OTHER_MASK)
    assert check(askers, other[:2]).status_code == 200

    refused = check(askers, [*candidates(3), *other[2:]])
    afterwards = check(askers, candidates(3))

    assert (refused.status_code, refused.json_body["error"]["path"]) == (429, "codes[3]")
    assert afterwards.status_code == 200


def test_lookups_of_one_person_share_the_days_tries_until_beijing_midnight(
    askers: Askers, gateway: Gateway
) -> None:
    gateway.configure(tries_per_masked_number_per_day="2")
    first, second, third = candidates(3)
    query = json.dumps({"id_number": second, "purpose": "supervision"}).encode()

    with time_machine.travel(datetime(2026, 12, 3, 23, 59, tzinfo=CHINA), tick=False):
        found = askers.ask("no_agreement", f"/v1/subjects/{first}?purpose=supervision")
        person = gateway.send_signed(
            "POST", "/v1/persons/query", askers.signers["no_agreement"], query
        )
        over = askers.ask("no_agreement", f"/v1/subjects/{third}?purpose=supervision")
    with time_machine.travel(datetime(2026, 12, 4, 0, 0, 1, tzinfo=CHINA), tick=False):
        next_day = askers.ask("no_agreement", f"/v1/subjects/{third}?purpose=supervision")

    assert (found.status_code, person.status_code) == (200, 404)
    assert (over.status_code, error_code(over)) == (429, "rate_limited")
    assert over.json_body["error"]["path"] == "credit_code"
    assert over.headers["Retry-After"] == "61"
    assert next_day.status_code == 404


def test_a_bulk_check_answers_the_lines_past_the_days_tries_and_checks_the_rest(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    gateway.configure(tries_per_masked_number_per_day="3")
    guesses = candidates(5)
    lines = [{"credit_code": code} for code in [*guesses, OTHER_MASK]]
    signer = askers.signers["no_agreement"]

    upload_id = uploaded(
        gateway, aws, signer, lines, GUANGDONG, mode="check", purpose="supervision"
    )

    upload = container().uploads.get(GUANGDONG, upload_id)
    assert upload is not None
    assert (upload.accepted, upload.rejected) == (1, 5)  # the other mask's line alone
    assert {(e.line, e.field, e.code) for e in upload.errors} == {
        (n, "credit_code", "rate_limited") for n in range(1, 6)
    }
    assert trail_codes(aws) == {mask(OTHER_MASK)}


def test_a_check_refused_for_its_size_has_tried_its_codes(
    askers: Askers, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 50, F1: whether the answer fits tells whether anything was found (padded with a
    company's many listings, a candidate found tips it over), so a 413 has tried its codes,
    and says nothing of how far over it was."""
    gateway.configure(tries_per_masked_number_per_day="3")
    with monkeypatch.context() as patched:
        patched.setattr(checks_api, "REPLY_BUDGET", 100)
        too_large = check(askers, candidates(3))

    assert (too_large.status_code, error_code(too_large)) == (413, "payload_too_large")
    assert too_large.json_body["error"]["message"].startswith("the answer would take over 100 ")
    over = check(askers, candidates(4)[3:])
    assert (over.status_code, error_code(over)) == (429, "rate_limited")


def test_a_bulk_check_refuses_every_line_of_a_refused_mask_however_it_repeats(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    """Review 49, F1: the repeat of a refused code, in the same block, was checked as a first
    (and the real number found), counted nowhere."""
    gateway.configure(tries_per_masked_number_per_day="3")
    guesses = candidates(6)
    signer = askers.signers["no_agreement"]
    spent = [{"credit_code": code} for code in guesses[3:]]
    uploaded(gateway, aws, signer, spent, GUANGDONG, mode="check", purpose="supervision")
    twice = [
        {"credit_code": spelt} for code in guesses[:3] for spelt in (code, code.lower()[:17] + " x")
    ]

    upload_id = uploaded(
        gateway, aws, signer, twice, GUANGDONG, mode="check", purpose="supervision"
    )

    upload = container().uploads.get(GUANGDONG, upload_id)
    assert upload is not None
    assert (upload.accepted, upload.rejected, upload.found) == (0, 6, 0)
    assert {e.code for e in upload.errors} == {"rate_limited"}


def test_a_bulk_check_run_again_after_a_failure_counts_its_tries_once(
    askers: Askers, gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 49, F3: a run that failed writing its result had counted its tries; the queue's
    retry counted them again and refused the very lines the first run had admitted."""
    gateway.configure(tries_per_masked_number_per_day="4")
    lines = [{"credit_code": code} for code in candidates(3)]
    asked = ask(
        gateway,
        askers.signers["no_agreement"],
        lines,
        GUANGDONG,
        mode="check",
        purpose="supervision",
    )
    record = put_file(aws, asked)
    writes = S3Archive.put

    def failing_once(archive: S3Archive, key: str, *rest: Any, **named: Any) -> Any:
        if key.startswith("check-results/"):
            monkeypatch.setattr(S3Archive, "put", writes)
            raise RuntimeError("S3 is throttling")
        return writes(archive, key, *rest, **named)

    monkeypatch.setattr(S3Archive, "put", failing_once)
    with pytest.raises(RuntimeError):
        gateway_app.ingest_uploads({"Records": [record]}, None)
    gateway_app.ingest_uploads({"Records": [record]}, None)

    upload = container().uploads.get(GUANGDONG, asked.upload_id)
    assert upload is not None
    assert (upload.accepted, upload.rejected) == (3, 0)
    assert check(askers, candidates(4)[3:]).status_code == 200  # the fourth try: within


def test_a_repeat_of_a_code_an_earlier_block_answered_is_still_a_duplicate(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    """Review 50, F3: once the mask's tries were spent, the repeat was refused ``rate_limited``
    rather than answered ``duplicate_code`` as the same code as its first line."""
    gateway.configure(tries_per_masked_number_per_day="2")
    first, second, third = candidates(3)
    filler = [{"credit_code": company(i)} for i in range(999)]
    lines = [{"credit_code": first}, *filler, *({"credit_code": c} for c in (first, second, third))]
    signer = askers.signers["no_agreement"]

    upload_id = uploaded(
        gateway, aws, signer, lines, GUANGDONG, mode="check", purpose="supervision"
    )

    upload = container().uploads.get(GUANGDONG, upload_id)
    assert upload is not None
    # the block's two new tries would make three: both refused, the repeat answered
    assert {(e.line, e.code) for e in upload.errors} == {
        (1002, "rate_limited"),
        (1003, "rate_limited"),
    }
    assert upload.result_key is not None
    answers = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=upload.result_key)
    last = json.loads(answers["Body"].read().splitlines()[-1])
    assert (last["line"], last["error"]["code"]) == (1001, "duplicate_code")
