"""A manifest asked for again is answered without a check's result: the request carries no nonce,
so the same bytes replayed within the timestamp window would get the result file's link and the
key to its openings (review 143); the signed GET of the upload gives them to its platform."""

from __future__ import annotations

from typing import Any

from app_support import CITY, platform_headers
from masked_persons import APPLICANT
from test_check_report_commitments import CHECK
from upload_support import Asked, manifest_of, put_and_ingest

from gateway_client.push_client import wire_target


def test_a_replayed_upload_request_is_not_handed_the_openings_key(gateway: Any, aws: Any) -> None:
    """The very bytes the platform sent, replayed after the check completed."""
    signer = gateway.register_platform(CITY)
    upload_id = "u-replayed"
    body, content = manifest_of([{"credit_code": APPLICANT}], CITY, upload_id, **CHECK)
    headers = platform_headers(signer, "POST", "/v1/uploads", body, upload_id)
    first = gateway.client.http.post(wire_target("/v1/uploads"), headers=headers, body=body)
    assert first.status_code == 201, first.json_body
    put_and_ingest(aws, Asked(upload_id, body, content, first.json_body["upload"]["object_key"]))

    replay = gateway.client.http.post(wire_target("/v1/uploads"), headers=headers, body=body)

    assert replay.status_code == 200, replay.json_body
    assert "result" not in replay.json_body
    assert replay.json_body["upload"]["status"] == "completed"
    view = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{upload_id}", signer)
    assert {"url", "openings_key"} <= set(view.json_body["result"])
