"""Over HTTP: a signed check report binds each number it shows masked, and only the asker gets
the opening that proves whom it is about — ``POST /v1/checks`` in its answer, a bulk check in
its upload's view (the key to its lines' openings) — review 138 F1."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway
from masked_persons import APPLICANT, OTHER
from test_checks_route import checks, gateway_keys
from upload_support import Asked, ask, put_and_ingest, uploaded

from gateway_client.contract import code_commitment, mask, opening_at, verify_report
from gateway_client.contract.signing import Ed25519Signer


def test_a_check_s_answer_carries_the_opening_its_report_binds(
    gateway: Gateway, hunan: Ed25519Signer
) -> None:
    reply = checks(gateway, hunan, codes=[APPLICANT], purpose="supervision", report=True)

    assert reply.status_code == 200, reply.json_body
    report, [opening] = reply.json_body["report"], reply.json_body["report_openings"]
    assert report["content"]["codes"] == [mask(APPLICANT)]
    assert APPLICANT not in json.dumps(report)
    keys = gateway_keys(gateway)
    assert verify_report(report, keys, opened=(APPLICANT, opening)).about == 0
    assert not verify_report(report, keys, opened=(OTHER, opening)).ok


def test_a_bulk_check_s_view_gives_its_asker_the_key_to_its_lines_openings(
    gateway: Gateway, aws: Any
) -> None:
    signer = gateway.register_platform(CITY)
    lines = [{"credit_code": "91110000600037341L"}, {"credit_code": APPLICANT}]
    upload_id = uploaded(gateway, aws, signer, lines, mode="check", purpose="supervision")

    view = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{upload_id}", signer)

    assert view.status_code == 200, view.json_body
    result = view.json_body["result"]
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    keys = {x["Key"] for x in aws.s3.list_objects_v2(Bucket=bucket)["Contents"]}
    [file_key] = [k for k in keys if k.startswith("check-results/") and k.endswith(".ndjson")]
    [report_key] = [k for k in keys if k.endswith(".report.json")]
    stored = aws.s3.get_object(Bucket=bucket, Key=file_key)["Body"].read()
    report = json.loads(aws.s3.get_object(Bucket=bucket, Key=report_key)["Body"].read())
    answered = [json.loads(x) for x in stored.splitlines()]
    assert ["commitment" in x for x in answered] == [False, True]
    opening = opening_at(bytes.fromhex(result["openings_key"]), 2)
    keys_now = gateway_keys(gateway)
    proved = verify_report(report, keys_now, stored, (APPLICANT, opening))
    assert (proved.ok, proved.about) == (True, 2), proved.problems
    assert not verify_report(report, keys_now, stored, (OTHER, opening)).ok
    other = gateway.send_signed(
        "GET", f"/v1/regions/{CITY}/uploads/{upload_id}", hunan_signer(gateway)
    )
    assert other.status_code in (403, 404)


def hunan_signer(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform("430000")


def check_upload(
    gateway: Gateway, signer: Ed25519Signer, region: str, upload_id: str, lines: list[Any]
) -> Asked:
    """A bulk check's upload of ``lines`` under the id its platform chose."""
    return ask(gateway, signer, lines, region, upload_id=upload_id, **CHECK)


CHECK = {"mode": "check", "purpose": "supervision"}


def test_no_region_gets_a_check_s_openings_by_naming_its_upload_after_it(
    gateway: Gateway, hunan: Ed25519Signer, aws: Any
) -> None:
    """An upload's id is its platform's to choose: one named after another region's check
    (the report names its id) is given a key of its own, which opens nothing of that report
    (review 140: the same key, and so the masked number brute-forced in a second)."""
    reply = checks(gateway, hunan, codes=[APPLICANT], purpose="supervision", report=True)
    report = reply.json_body["report"]
    check_id = report["content"]["report_id"]
    [commitment] = report["content"]["commitments"]
    city = gateway.register_platform(CITY)
    put_and_ingest(aws, check_upload(gateway, city, CITY, check_id, [{"credit_code": APPLICANT}]))

    view = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{check_id}", city)

    key = bytes.fromhex(view.json_body["result"]["openings_key"])
    assert code_commitment(APPLICANT, opening_at(key, 0)) != commitment
    assert opening_at(key, 0) != reply.json_body["report_openings"][0]


def test_the_operator_reads_a_bulk_check_without_the_key_to_its_openings(
    gateway: Gateway, aws: Any
) -> None:
    city = gateway.register_platform(CITY)
    put_and_ingest(aws, check_upload(gateway, city, CITY, "u-op", [{"credit_code": APPLICANT}]))

    view = gateway.client.http.get(f"/v1/regions/{CITY}/uploads/u-op", headers=gateway.operator())

    assert view.status_code == 200, view.json_body
    assert "url" in view.json_body["result"]
    assert "openings_key" not in view.json_body["result"]
