"""A bulk check's usage (checks, codes checked, reports) is counted once per upload: a run the
upload queue sends again after a crash between the count and the upload's completion counts
nothing more (review 138 F3)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway
from delivery_support import as_operator
from lifecycle_support import Lifecycle, this_month
from test_check_report_commitments import check_upload
from upload_support import ask, put_and_ingest, put_file

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.uploads import DynamoUploads
from gateway.intake import UploadStatus


def test_a_bulk_check_run_again_after_a_crash_counts_its_usage_once(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY)
    lines = [{"credit_code": CREDIT_CODE}, {"credit_code": "91420281MA4F00000X"}]
    asked = ask(gateway, city, lines, mode="check", purpose="supervision")
    record = put_file(aws, asked)
    real_save = DynamoUploads.save
    crashed: list[bool] = []

    def save(self: DynamoUploads, upload: Any) -> Any:
        if upload.status is UploadStatus.COMPLETED and not crashed:
            crashed.append(True)
            raise RuntimeError("Lambda timed out")
        return real_save(self, upload)

    monkeypatch.setattr(DynamoUploads, "save", save)
    with pytest.raises(RuntimeError):
        gateway_app.ingest_uploads({"Records": [record]}, None)
    assert crashed
    gateway_app.ingest_uploads({"Records": [record]}, None)  # the queue's redelivery
    upload = container().uploads.get(CITY, asked.upload_id)
    assert upload is not None
    assert upload.status is UploadStatus.COMPLETED

    usage = Lifecycle(gateway).stats(CITY, this_month()).json_body["usage"]
    assert usage == {"checks": 1, "codes_checked": 2, "reports": 1}, usage


def test_two_regions_bulk_checks_under_one_upload_id_are_each_counted(
    gateway: Gateway, hunan: Any, aws: Any
) -> None:
    """Upload ids are each platform's to choose (review 140: the second went uncounted)."""
    lines = [{"credit_code": CREDIT_CODE}]
    city = gateway.register_platform(CITY)
    put_and_ingest(aws, check_upload(gateway, hunan, HUNAN, "batch-0001", lines))
    put_and_ingest(aws, check_upload(gateway, city, CITY, "batch-0001", lines))

    usage = Lifecycle(gateway).stats(CITY, this_month()).json_body["usage"]
    assert usage == {"checks": 1, "codes_checked": 1, "reports": 1}, usage


def test_a_bulk_check_s_codes_are_no_pushed_entries_in_the_activity(
    gateway: Gateway, aws: Any
) -> None:
    """A check ingests no entry: its checked and refused codes are not counted as a push's
    accepted and rejected lines (review 185)."""
    city = gateway.register_platform(CITY)
    lines = [{"credit_code": CREDIT_CODE}, {"credit_code": "x"}, {"nope": 1}]
    asked = ask(gateway, city, lines, mode="check", purpose="supervision")

    put_and_ingest(aws, asked)

    assert container().uploads.get(CITY, asked.upload_id).status is UploadStatus.COMPLETED
    reply = as_operator(gateway, "get", f"/v1/activity?hours=1&region={CITY}").json_body
    counted = [hour["pushes"] for hour in reply["hours"]]
    assert all(not any(pushes.values()) for pushes in counted), reply
