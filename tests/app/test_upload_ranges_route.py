"""A split upload through the app: the upload queue's handler splits it and queues one message a
range; the ranges run in any order as the handler receives them; the upload routes show the
sums, its errors by line number; the hourly activity counts every line once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway, black_entry
from delivery_support import as_operator, as_platform
from lifecycle_support import this_month
from upload_support import AWS_REGION, ask, put_file, uploaded

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.intake import BulkPolicy, bulk_removal
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


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
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
    assert activity["hours"][0]["pushes"] == {
        "accepted": 4,
        "duplicate": 0,
        "removed": 0,
        "rejected": 1,
    }
    month = as_operator(gateway, "get", f"/v1/stats?region={CITY}&month={this_month()}").json_body
    assert month["pushes"] == {
        "batches": 1,
        "accepted": 4,
        "duplicate": 0,
        "removed": 0,
        "rejected": 1,
    }


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_range_whose_upload_is_held_is_counted_and_closes_the_upload_later(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last range finds the upload's lease held (a duplicate notice's run): its lines are
    stored and counted all the same, and it is queued again for the upload's own step — not
    failed, to find itself done and count nothing when redelivered (review 185)."""
    city: Ed25519Signer = gateway.register_platform(CITY)
    monkeypatch.setattr(container().bulk_ingest, "_policy", BulkPolicy(range_lines=2))
    lines = [black_entry(decision_number=f"(2024)黑09执{i}号") for i in range(1, 6)]
    upload_id = uploaded(gateway, aws, city, lines)
    messages = [m for m in _received(aws) if "range" in json.loads(m["body"])]
    for record in messages[:-1]:
        gateway_app.ingest_uploads({"Records": [record]}, None)
    uploads, now = container().uploads, container().clock.now()
    assert uploads.lease(CITY, upload_id, "another-run", now, now + timedelta(minutes=16))

    gateway_app.ingest_uploads({"Records": [messages[-1]]}, None)
    queued = aws.sqs.get_queue_attributes(
        QueueUrl=aws.env["CG_UPLOAD_QUEUE_URL"],
        AttributeNames=["ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    uploads.release(CITY, upload_id, "another-run")
    gateway_app.ingest_uploads({"Records": [messages[-1]]}, None)  # what is queued, a minute on

    done = uploads.get(CITY, upload_id)
    assert queued["ApproximateNumberOfMessagesDelayed"] == "1"
    assert (done.status.value, done.accepted) == ("completed", 5)
    activity = as_operator(gateway, "get", f"/v1/activity?hours=1&region={CITY}").json_body
    assert activity["hours"][0]["pushes"] == {
        "accepted": 5,
        "duplicate": 0,
        "removed": 0,
        "rejected": 0,
    }


class _ShortOfTime:
    """A Lambda context always under two minutes from its end."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 1_000


def test_a_split_resync_short_of_time_goes_on_removing_in_later_runs(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last range done, the removals follow; each run short of time stops after a batch
    and queues the next (review 97 F3)."""
    city: Ed25519Signer = gateway.register_platform(CITY)
    held = [black_entry(decision_number=f"(2024)黑09执{i}号") for i in range(1, 8)]
    assert gateway.push(city, CITY, held).json_body["accepted"] == 7
    monkeypatch.setattr(container().bulk_ingest, "_policy", BulkPolicy(range_lines=2))
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 2)

    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, city, held[:3], **resync)
    removed: list[int] = []  # after each run that removed some
    queued = [put_file(aws, asked)]
    while queued:
        for record in queued:
            gateway_app.ingest_uploads({"Records": [record]}, _ShortOfTime())
            upload = container().uploads.get(CITY, asked.upload_id)
            assert upload is not None
            if upload.removed and upload.removed not in removed:
                removed.append(upload.removed)
        # the bucket's own notices: the file's was handed over above, once, as S3 sends it
        queued = [r for r in _received(aws) if "aws:s3" not in r["body"] and "s3:" not in r["body"]]

    path = f"/v1/regions/{CITY}/uploads/{asked.upload_id}"
    done = as_operator(gateway, "get", path).json_body["upload"]
    assert (done["status"], done["removal"], done["removed"]) == ("completed", "applied", 4)
    assert removed == [2, 4]  # two at a time, a run each
