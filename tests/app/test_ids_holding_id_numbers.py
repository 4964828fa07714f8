"""A batch's or an upload's id is the platform's to choose, and kept for good (with the upload,
in archive keys, in a check's trail entry and signed report): one holding a resident ID number
is refused at its field, as key and objection ids are, and nothing is kept (review 354: a check
named by its applicant's number kept the number in full)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway, agreement_terms, black_entry, create_agreement, refusal
from chalice.test import HTTPResponse
from upload_support import manifest_of

APPLICANT = "420281199607020349"  # a valid resident ID number, never listed


def refused_at(reply: HTTPResponse, field: str) -> None:
    assert refusal(reply) == (400, "invalid_schema", field)
    assert [(e["path"], e["code"]) for e in reply.json_body["error"]["errors"]] == [
        (field, "id_number_in_text")
    ]


def holding_the_number(aws: Any) -> list[str]:
    """Every stored item or archived key that holds the number."""
    found = []
    for table in ("CG_UPLOADS_TABLE", "CG_QUERY_TRAIL_TABLE", "CG_BATCHES_TABLE"):
        pages = aws.dynamodb.get_paginator("scan").paginate(TableName=aws.env[table])
        found += [str(i) for p in pages for i in p["Items"] if APPLICANT in json.dumps(i)]
    listed = aws.s3.list_objects_v2(Bucket=aws.env["CG_ARCHIVE_BUCKET"]).get("Contents", [])
    return found + [o["Key"] for o in listed if APPLICANT in o["Key"]]


def test_a_check_named_by_the_applicants_number_is_refused(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)
    body, _ = manifest_of(
        [{"credit_code": APPLICANT}], CITY, APPLICANT, None, mode="check", purpose="supervision"
    )

    asked = gateway.post_signed("/v1/uploads", city, APPLICANT, body)

    refused_at(asked, "upload_id")
    assert holding_the_number(aws) == []


def test_a_spaced_number_in_a_resync_id_is_refused(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)
    upload_id = "resync-420281.19960702.0349"
    body, _ = manifest_of([black_entry()], CITY, upload_id, None, mode="resync")

    asked = gateway.post_signed("/v1/uploads", city, upload_id, body)

    refused_at(asked, "upload_id")
    assert aws.dynamodb.scan(TableName=aws.env["CG_UPLOADS_TABLE"])["Items"] == []


def test_a_push_batch_named_by_a_number_is_refused(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)

    pushed = gateway.push(city, CITY, [black_entry()], batch_id=APPLICANT)

    refused_at(pushed, "batch_id")
    assert holding_the_number(aws) == []
    assert aws.dynamodb.scan(TableName=aws.env["CG_LISTINGS_TABLE"])["Items"] == []


def test_an_ordinary_id_of_digits_is_taken(gateway: Gateway) -> None:
    """A date and a counter are no ID number: only a number whose check character is right."""
    city = gateway.register_platform(CITY)

    pushed = gateway.push(city, CITY, [black_entry()], batch_id="420281199607020348")

    assert pushed.status_code == 200, pushed.json_body


def test_a_measure_id_holding_an_id_number_is_refused(gateway: Gateway, aws: Any) -> None:
    """An agreement's own measure id is kept for good and sent in every recognition (review
    356)."""
    gateway.put_region("430000")
    gateway.put_region("420000")
    measure = {
        "measure_id": f"m{APPLICANT}",
        "text": "对该主体从严审核",
        "department": "各行政许可管理部门",
        "mandatory": False,
        "kinds": ["black"],
    }
    made = create_agreement(gateway, agreement_terms(measures=[measure]))

    refused_at(made, "measures.0.measure_id")
    assert holding_the_number(aws) == []
