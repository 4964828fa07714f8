"""POST /v1/checks: a batch of codes, each answered as the one-stop query answers the same
caller, every valid code recorded in the query trail, and a signed report on request."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    HUNAN,
    NATURAL_PERSON_CODE,
    Gateway,
    daye_black_entry,
    error_code,
    signed_agreement,
)
from test_query_as_region import red_entry
from upload_support import ask, put_and_ingest

import gateway.intake.uploads as uploads_module
from chalicelib import checks_api
from chalicelib.bootstrap import container
from gateway_client.contract import PublishedKey, report_applies, report_kind, verify_report
from gateway_client.contract.signing import Ed25519Signer

UNLISTED = "91420281MA4F00000X"  # a valid code nobody listed
CODES = [CREDIT_CODE, "not-a-code", UNLISTED, CREDIT_CODE.lower()]


@pytest.fixture
def hunan(gateway: Gateway) -> Ed25519Signer:
    """湖南's platform; 大冶市 has listed CREDIT_CODE, and an agreement makes 湖南 recognise it."""
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    pushed = gateway.push(daye, DAYE, [daye_black_entry()])
    assert pushed.json_body["accepted"] == 1, pushed.json_body
    signed_agreement(gateway)
    return hunan


def checks(gateway: Gateway, signer: Ed25519Signer, **request: Any) -> Any:
    body = json.dumps(request, ensure_ascii=False).encode()
    return gateway.post_signed("/v1/checks", signer, None, body)


def trail_items(gateway: Gateway, aws: Any) -> list[dict[str, Any]]:
    items = aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Items"]
    return [json.loads(i["doc"]["S"]) for i in items]


def test_each_code_is_answered_as_the_one_stop_query_answers_the_same_caller(gateway, hunan):
    reply = checks(gateway, hunan, codes=CODES, purpose="public_procurement")

    assert reply.status_code == 200, reply.json_body
    answer = reply.json_body
    assert answer["asked_by"] == HUNAN
    assert answer["as_region"] == HUNAN  # a platform's own region when absent
    first, bad, unlisted, lower = answer["results"]
    single = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", hunan)
    page = {k: v for k, v in single.json_body.items() if k != "listings_total"}  # a lookup's
    assert first["subject"] == page
    assert first["found"] is True
    assert first["subject"]["listings"][0]["recognised"] is True
    assert lower["error"]["code"] == "duplicate_code"  # the same code, spelt otherwise
    assert (bad["found"], bad["credit_code"]) == (False, None)  # nothing of it echoed
    assert bad["error"]["path"] == "codes[1]"
    assert bad["error"]["code"] == "bad_request"
    assert bad["error"]["reason"]
    assert unlisted == {
        "index": 2,
        "credit_code": UNLISTED,
        "found": False,
        "subject": None,
        "error": None,
    }
    assert answer["summary"] == {
        "checked": 4,
        "found": 1,
        "invalid": 2,
        "black": 1,
        "dishonesty_records": 0,
        "red": 0,
        "intensified": 0,
        "broken_commitments": 0,
        "named_in_black": 0,
    }
    assert answer["report"] is None


def food_record() -> dict[str, Any]:
    """大冶's general food-safety black-list entry: a mere record (失信记录) by its policy."""
    return daye_black_entry(
        domain="food_drug",
        severity="general",
        legal_basis="《食品安全法》第一百三十四条",
        deciding_authority="大冶市市场监督管理局",
        decision_number="大市监罚〔2026〕1号",
    )


def test_a_dishonesty_record_is_counted_apart_from_black_listings_in_the_signed_report(
    gateway: Gateway,
) -> None:
    """A black-list entry the severity policy makes a mere record (失信记录: no joint
    punishment) is no black listing: the summary the gateway signs says which it is."""
    daye = gateway.register_platform(DAYE)
    record = food_record()
    assert gateway.push(daye, DAYE, [record]).json_body["accepted"] == 1

    reply = checks(gateway, daye, codes=[record["credit_code"]], purpose="supervision", report=True)

    assert reply.status_code == 200, reply.json_body
    [view] = reply.json_body["results"][0]["subject"]["listings"]
    assert view["listed_as"] == "dishonesty_record"
    summary = reply.json_body["summary"]
    assert (summary["black"], summary["dishonesty_records"]) == (0, 1)
    assert reply.json_body["report"]["content"]["summary"] == summary
    assert report_kind(view) == "dishonesty_record"  # as the CLI's table and the PDF say it


@pytest.mark.parametrize("asker", ["platform", "operator"])
def test_a_red_listing_whose_incentives_are_held_back_is_not_counted_red(
    gateway: Gateway, asker: str
) -> None:
    """While a black listing is in force a red listing's incentives are held back: the signed
    summary, the table and the PDF say no red listing applies (review 193), the operator's too
    (review 217: asking for no region's recognition, it signed red)."""
    daye = gateway.register_platform(DAYE)
    pushed = gateway.push(daye, DAYE, [daye_black_entry(), red_entry()])
    assert pushed.json_body["accepted"] == 2, pushed.json_body
    asked = {"codes": [CREDIT_CODE], "purpose": "supervision", "report": True}

    if asker == "platform":
        reply = checks(gateway, daye, **asked)
    else:
        body = json.dumps(asked).encode()
        reply = gateway.client.http.post("/v1/checks", headers=gateway.operator(), body=body)

    assert reply.status_code == 200, reply.json_body
    views = reply.json_body["results"][0]["subject"]["listings"]
    [red] = [v for v in views if v["listing"]["kind"] == "red"]
    assert (red.get("measures") or [], red["suspended_because"]) == ([], "black_listing_in_force")
    summary = reply.json_body["report"]["content"]["summary"]
    assert (summary["black"], summary["red"]) == (1, 0)
    assert {report_kind(v) for v in views if report_applies(v)} == {"black"}


def test_every_valid_code_leaves_one_trail_entry_with_the_checks_id(gateway, hunan, aws):
    reply = checks(gateway, hunan, codes=CODES, purpose="supervision")

    check_id = reply.json_body["check_id"]
    entries = trail_items(gateway, aws)
    assert sorted(e["masked_code"] for e in entries) == sorted([CREDIT_CODE, UNLISTED])
    assert {e["check_id"] for e in entries} == {check_id}
    assert {(e["asked_by"], e["purpose"]) for e in entries} == {(HUNAN, "supervision")}
    listed = next(e for e in entries if e["masked_code"] == CREDIT_CODE)
    assert listed["owners"] == [DAYE]  # 大冶市 reads who checked its listing
    owner_view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}/trail", headers=gateway.operator()
    )
    assert [e["check_id"] for e in owner_view.json_body["entries"]] == [check_id]


def test_a_person_is_masked_in_the_answer_to_a_region_that_may_not_see_the_number(gateway, hunan):
    reply = checks(gateway, hunan, codes=[NATURAL_PERSON_CODE], purpose="supervision")

    [result] = reply.json_body["results"]
    assert result["found"] is False
    assert result["credit_code"] != NATURAL_PERSON_CODE
    assert result["credit_code"].startswith(NATURAL_PERSON_CODE[:6])


@pytest.mark.parametrize(
    ("request_body", "path"),
    [
        ({"codes": [], "purpose": "supervision"}, "codes"),
        ({"codes": [CREDIT_CODE] * 1001, "purpose": "supervision"}, "codes"),
        ({"codes": [CREDIT_CODE]}, "purpose"),
        ({"codes": [CREDIT_CODE], "purpose": "curiosity"}, "purpose"),
        ({"codes": [CREDIT_CODE], "purpose": "supervision", "as_region": "4300OO"}, "as_region"),
        ({"codes": CREDIT_CODE, "purpose": "supervision"}, "codes"),
        ({"codes": [CREDIT_CODE], "purpose": "supervision", "extra": 1}, "extra"),
    ],
)
def test_a_bad_request_names_its_field_and_leaves_no_trail(gateway, hunan, aws, request_body, path):
    reply = checks(gateway, hunan, **request_body)

    assert reply.status_code == 400, reply.json_body
    assert reply.json_body["error"]["path"].startswith(path)
    assert trail_items(gateway, aws) == []


def test_anonymous_callers_and_unknown_keys_are_refused_before_anything_is_read(
    gateway, hunan, aws
):
    body = json.dumps({"codes": [CREDIT_CODE], "purpose": "supervision"}).encode()
    anonymous = gateway.client.http.post(
        "/v1/checks", headers={"Content-Type": "application/json"}, body=body
    )
    stranger = checks(
        gateway,
        Ed25519Signer("k-unknown", hunan.private_key),
        codes=[CREDIT_CODE],
        purpose="supervision",
    )

    assert (anonymous.status_code, error_code(anonymous)) == (401, "missing_signature")
    assert (stranger.status_code, error_code(stranger)) == (403, "unknown_key")
    assert trail_items(gateway, aws) == []


def test_the_operator_checks_as_any_region_or_none(gateway, hunan):
    body = json.dumps({"codes": [CREDIT_CODE], "purpose": "law_enforcement"}).encode()
    reply = gateway.client.http.post("/v1/checks", headers=gateway.operator(), body=body)

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["asked_by"] == "operator"
    assert reply.json_body["as_region"] is None
    [result] = reply.json_body["results"]
    assert result["subject"]["listings"][0]["recognised"] is None


def test_checks_beyond_the_regions_limit_are_refused(gateway, hunan):
    gateway.configure(checks_per_minute="1")
    first = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision")
    second = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision")

    assert first.status_code == 200
    assert (second.status_code, error_code(second)) == (429, "rate_limited")


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b'{"codes": ["91110000600037341L"], "purpose": "supervision", "x": 1}',
        b'{"codes": ["91110000600037341L"], "purpose": "supervision", "as_region": "990000"}',
    ],
)
def test_a_check_refused_for_its_body_uses_none_of_the_minutes_checks(gateway, hunan, body):
    """Review 137: three mistakes locked the region out of its next valid check for a minute."""
    gateway.configure(checks_per_minute="1")
    refused = [gateway.post_signed("/v1/checks", hunan, None, body) for _ in range(2)]

    valid = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision")

    assert [r.status_code for r in refused] == [400, 400], refused[0].json_body
    assert valid.status_code == 200, valid.json_body


@pytest.mark.parametrize(
    "fields",
    [
        {"as_region": "100099"},
        {"issued_at": "2099-01-01T00:00:00+00:00"},
        {"domains": ["food_drug", "food_drug"]},
    ],
    ids=["unregistered-national-source", "issued-in-the-future", "domain-twice"],
)
def test_a_bulk_check_manifest_refused_for_its_body_uses_none_of_the_minutes_checks(
    gateway, hunan, fields
):
    """Review 160: as for ``POST /v1/checks`` (review 137), a refused manifest is no check."""
    gateway.configure(checks_per_minute="1")
    manifest = {**check_manifest("u-refused"), **fields}
    refused = gateway.post_signed("/v1/uploads", hunan, "u-refused", json.dumps(manifest).encode())

    valid = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision")

    assert refused.status_code == 400, refused.json_body
    assert valid.status_code == 200, valid.json_body
    assert container().uploads.get(HUNAN, "u-refused") is None


def test_a_bulk_check_asked_for_again_is_counted_once(gateway, hunan, aws):
    """Review 45 F1: its manifest asked for again for a fresh URL used up the minute's checks,
    one per request."""
    gateway.configure(checks_per_minute="2")
    body = json.dumps(check_manifest("u-check-again")).encode()
    asked = [gateway.post_signed("/v1/uploads", hunan, "u-check-again", body) for _ in "abc"]

    made = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision")
    over = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision")

    assert [r.status_code for r in asked] == [201, 200, 200]
    assert made.status_code == 200, made.json_body
    assert (over.status_code, error_code(over)) == (429, "rate_limited")


def test_a_bulk_check_s_put_carries_the_file_s_own_sha256_each_time_it_is_asked(gateway, hunan):
    """The gateway keeps a check's digest keyed, but S3 checks the PUT against the checksum
    the URL signs: that must be the file's own, or no file could ever be uploaded (review 96
    F2; moto does not check it)."""
    manifest = {**check_manifest("u-check-sum"), "sha256": "ab" * 32}
    body = json.dumps(manifest).encode()
    own = base64.b64encode(bytes.fromhex("ab" * 32)).decode()

    asked = [gateway.post_signed("/v1/uploads", hunan, "u-check-sum", body) for _ in "ab"]

    assert [r.status_code for r in asked] == [201, 200]
    for reply in asked:
        put = reply.json_body["put"]
        assert put["headers"]["x-amz-checksum-sha256"] == own
        signed = parse_qs(urlsplit(put["url"]).query)["X-Amz-SignedHeaders"][0].split(";")
        assert "x-amz-checksum-sha256" in signed  # sent as told, or S3 refuses the PUT
    kept = container().uploads.get(HUNAN, "u-check-sum")
    assert kept is not None
    assert kept.manifest.sha256 != "ab" * 32  # kept keyed


def check_manifest(upload_id: str) -> dict[str, object]:
    return {
        "region": HUNAN,
        "upload_id": upload_id,
        "issued_at": datetime.now(UTC).isoformat(),
        "count": 1,
        "sha256": "0" * 64,
        "size": 40,
        "mode": "check",
        "purpose": "supervision",
    }


@pytest.mark.parametrize("nowhere", ["999999", "105555", "109999", "100099"])
@pytest.mark.parametrize("bulk", [False, True], ids=["check", "bulk-check"])
def test_a_check_as_a_region_that_does_not_exist_is_refused(gateway, hunan, aws, bulk, nowhere):
    """Review 76 F3: a signed report stated recognition as 999999, which no division has (and
    review 77 F1: as 105555, a code of the nation's reserved block that nothing holds; review
    79 F3: as 100099, a national source's form no source registered)."""
    if bulk:
        manifest = {**check_manifest("u-check-nowhere"), "as_region": nowhere}
        body = json.dumps(manifest).encode()
        reply = gateway.post_signed("/v1/uploads", hunan, "u-check-nowhere", body)
    else:
        reply = checks(
            gateway, hunan, codes=[CREDIT_CODE], purpose="supervision", as_region=nowhere
        )

    assert reply.status_code == 400, reply.json_body
    error = reply.json_body["error"]
    assert (error["path"], error["code"]) == ("as_region", "invalid_schema")
    if nowhere == "100099":  # the form of a national source's code: none is registered
        assert "no national source 100099 is registered" in error["message"]
    else:
        assert [e["code"] for e in error["errors"]] == ["unknown_division"]
    assert trail_items(gateway, aws) == []
    assert container().uploads.get(HUNAN, "u-check-nowhere") is None
    # a division on the list, one newer than it (临平区, 2021) under a city on it, the nation
    for real in ("430100", "330113", "100000"):
        made = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision", as_region=real)
        assert made.status_code == 200, made.json_body


def test_a_bulk_check_whose_as_region_stands_for_nothing_when_its_file_arrives_is_refused(
    gateway, hunan, aws, monkeypatch
):
    """Review 80 F1: one asked for before the gateway judged national sources' codes (100099,
    none registered) was checked once its file came, its signed report stating recognition as
    nothing that exists; the rules of the moment hold it, as a revoked key does."""
    with monkeypatch.context() as before:
        before.setattr(uploads_module, "refuse_unregistered", lambda *_: None)
        asked = ask(
            gateway,
            hunan,
            [{"credit_code": CREDIT_CODE}],
            region=HUNAN,
            mode="check",
            purpose="supervision",
            as_region="100099",
        )

    put_and_ingest(aws, asked)

    upload = container().uploads.get(HUNAN, asked.upload_id)
    assert upload is not None
    assert upload.refusal is not None
    assert (upload.status.value, upload.refusal.code) == ("refused", "unknown_region")
    assert trail_items(gateway, aws) == []


def test_a_bulk_check_counts_against_the_same_limit(gateway, hunan, aws):
    """Review 17, F7: with the minute's checks used, a bulk check of candidate numbers was
    accepted all the same (only the push rate applied): it is a check, and refused as one."""
    gateway.configure(checks_per_minute="1")
    assert checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision").status_code == 200
    manifest = check_manifest("u-check-1")

    reply = gateway.post_signed("/v1/uploads", hunan, "u-check-1", json.dumps(manifest).encode())

    assert (reply.status_code, error_code(reply)) == (429, "rate_limited")
    assert "checks" in reply.json_body["error"]["message"]
    assert container().uploads.get(HUNAN, "u-check-1") is None


def gateway_keys(gateway: Gateway) -> list[PublishedKey]:
    listed = gateway.client.http.get("/v1/keys").json_body["keys"]
    return [PublishedKey.model_validate(k) for k in listed]


def test_a_report_verifies_against_the_published_keys_and_any_change_is_caught(gateway, hunan):
    reply = checks(gateway, hunan, codes=CODES, purpose="public_procurement", report=True)

    report = reply.json_body["report"]
    content = report["content"]
    assert content["report_id"] == reply.json_body["check_id"]
    assert content["asked_by"] == HUNAN
    assert content["key_id"] == hunan.key_id
    assert content["codes"] == [r["credit_code"] for r in reply.json_body["results"]]
    assert content["results"] == reply.json_body["results"]
    assert set(content["log"]) == {"sequence", "root"}  # the e2e test runs the log
    verdict = verify_report(report, gateway_keys(gateway))
    assert verdict.ok, verdict.problems
    assert (verdict.asked_by, verdict.purpose, verdict.codes) == (HUNAN, "public_procurement", 4)

    tampered = copy.deepcopy(report)
    tampered["content"]["results"][0]["found"] = False
    assert len(verify_report(tampered, gateway_keys(gateway)).problems) == 2
    recoded = {**report, "verification_code": "AAAA-AAAA-AAAA-AAAA"}
    assert verify_report(recoded, gateway_keys(gateway)).problems == (
        "the verification code does not match the content",
    )
    assert not verify_report(report, []).ok


def test_a_code_asked_twice_is_answered_once(gateway, hunan):
    reply = checks(gateway, hunan, codes=[CREDIT_CODE, CREDIT_CODE.lower()], purpose="supervision")

    first, again = reply.json_body["results"]
    assert first["found"] is True
    assert (again["subject"], again["error"]["code"], again["error"]["path"]) == (
        None,
        "duplicate_code",
        "codes[1]",
    )


def test_an_answer_too_large_to_send_is_refused_and_only_its_trail_recorded(
    gateway, hunan, aws, monkeypatch
):
    """Its size tells what was found (review 294: a check padded to fit only when a person's
    number found nothing confirmed the number with no trail entry), so the look is traced."""
    monkeypatch.setattr(checks_api, "REPLY_BUDGET", 2000)

    reply = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision", report=True)

    assert (reply.status_code, error_code(reply)) == (413, "payload_too_large")
    assert len(trail_items(gateway, aws)) == 1


def test_a_report_names_the_key_that_signed_it_and_holds_nothing_else(gateway, hunan):
    report = checks(gateway, hunan, codes=[CREDIT_CODE], purpose="supervision", report=True)
    report = report.json_body["report"]
    keys = gateway_keys(gateway)

    renamed = {**report, "signature": {**report["signature"], "key_id": "evil"}}
    annotated = {**report, "note": "VOID"}
    surrogate = copy.deepcopy(report)
    surrogate["content"]["purpose"] = "\ud800"

    assert verify_report(report, keys).ok
    assert not verify_report(renamed, keys).ok
    assert not verify_report(annotated, keys).ok
    assert not verify_report(surrogate, keys).ok  # a problem said, never raised
