"""A push's batch id and an upload's id hold no resident ID number (review 308): both are kept
with their records for good, and the region's console lists them; an objection id holding one
was refused, while an upload id (the obvious key for a careless platform checking one
applicant) was taken as it came."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway, black_entry
from session_support import as_session, open_session
from upload_support import manifest_of

APPLICANT = "420281199607020349"  # a valid resident ID number, never listed


def _kept(aws: Any, table: str) -> str:
    return json.dumps(aws.dynamodb.scan(TableName=aws.env[table])["Items"])


def _refused_at(response: Any, path: str) -> bool:
    error = response.json_body["error"]
    assert (response.status_code, error["code"]) == (400, "invalid_schema"), error
    return [(p["path"], p["code"]) for p in error["errors"]] == [(path, "id_number_in_text")]


def test_an_upload_id_holding_a_resident_id_number_is_refused(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)
    body, _ = manifest_of(
        [{"credit_code": APPLICANT}], CITY, APPLICANT, mode="check", purpose="supervision"
    )

    asked = gateway.post_signed("/v1/uploads", city, f"u-{APPLICANT[:6]}", body)

    assert _refused_at(asked, "upload_id")
    assert APPLICANT not in asked.body.decode()
    token = open_session(gateway, city).json_body["token"]
    listed = as_session(gateway, token, "GET", f"/v1/regions/{CITY}/uploads")
    assert APPLICANT not in listed.body.decode()
    assert APPLICANT not in _kept(aws, "CG_UPLOADS_TABLE")


def test_a_batch_id_holding_a_resident_id_number_is_refused(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)
    grouped = f"b-{APPLICANT[:6]}.{APPLICANT[6:14]}.{APPLICANT[14:]}"

    pushed = gateway.push(city, CITY, [black_entry()], batch_id=grouped)

    assert _refused_at(pushed, "batch_id")
    assert grouped not in _kept(aws, "CG_BATCHES_TABLE")
    assert _kept(aws, "CG_LISTINGS_TABLE") == "[]"
