"""A split upload through the app: the upload queue's handler splits it and queues one message a
range; the ranges run in any order as the handler receives them; the upload routes show the
sums, its errors by line number; the hourly activity counts every line once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, Gateway, black_entry
from delivery_support import as_operator, as_platform
from upload_support import AWS_REGION, uploaded

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.intake import BulkPolicy
from gateway_client.contract.signing import Ed25519Signer


def _received(aws: Any) -> list[dict[str, Any]]:
    """Every message waiting on the upload queue, as Lambda hands them to the handler."""
    url = aws.env["CG_UPLOAD_QUEUE_URL"]
    found: list[dict[str, Any]] = []
    while batch := aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            found.append(
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": "local",
                    "body": message["Body"],
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "eventSource": "aws:sqs",
                    "awsRegion": AWS_REGION,
                }
            )
    return found


def test_a_split_upload_runs_range_by_range_and_reports_the_sums(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city: Ed25519Signer = gateway.register_platform(CITY)
    monkeypatch.setattr(container().bulk_ingest, "_policy", BulkPolicy(range_lines=2))
    lines: list[Any] = [black_entry(decision_number=f"(2024)黑09执{i}号") for i in range(1, 6)]
    lines[3] = black_entry(decision_number="(2024)黑09执4号", decided_on="not a date")

    upload_id = uploaded(gateway, aws, city, lines)
    path = f"/v1/regions/{CITY}/uploads/{upload_id}"
    split = as_operator(gateway, "get", path).json_body["upload"]
    assert (split["status"], split["ranges"], split["lines"]) == ("ingesting", 3, 0)
    ranges = 0
    while messages := _received(aws):
        for record in reversed(messages):  # the last range first
            ranges += "range" in json.loads(record["body"])
            gateway_app.ingest_uploads({"Records": [record]}, None)

    done = as_platform(gateway, city, "GET", path).json_body["upload"]
    assert ranges == 3
    assert (done["status"], done["lines"], done["accepted"], done["rejected"]) == (
        "completed",
        5,
        4,
        1,
    )
    assert [(e["line"], e["field"]) for e in done["errors"]] == [(4, "decided_on")]
    listed = as_operator(gateway, "get", f"/v1/regions/{CITY}/uploads").json_body["uploads"]
    assert (listed[0]["upload"]["accepted"], listed[0]["error_count"]) == (4, 1)
    activity = as_operator(gateway, "get", f"/v1/activity?hours=1&region={CITY}").json_body
    assert activity["hours"][0]["pushes"] == {"accepted": 4, "duplicate": 0, "rejected": 1}
