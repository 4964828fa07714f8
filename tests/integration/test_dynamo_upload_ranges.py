"""A split upload on DynamoDB and SQS: range items beside the upload record (read back in index
order, leased one by one, out of the region index), the record read with their sums and saved
without them, and one message a range on the upload queue."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from integration_support import ACCEPTED_AT
from test_dynamo_uploads_and_source_index import CITY, upload

from chalicelib.dynamodb.uploads import DynamoUploads
from chalicelib.upload_queue import SqsUploadQueue, range_in, uploads_in
from gateway.intake.bulk import LineError, UploadStatus
from gateway.intake.bulk_ranges import RangeState


@pytest.fixture
def uploads(aws) -> DynamoUploads:
    return DynamoUploads(aws.dynamodb, aws.env["CG_UPLOADS_TABLE"])


def state(index: int, **progress: Any) -> RangeState:
    bounds = {"start_offset": 100 * index, "start_line": 10 * index}
    return RangeState.model_validate(
        {
            "index": index,
            **bounds,
            "end_offset": 100 * index + 100,
            "end_line": 10 * index + 10,
            "offset": bounds["start_offset"],
            "line": bounds["start_line"],
            **progress,
        }
    )


def error(line: int) -> LineError:
    return LineError(line=line, field="", code="malformed_json", message="not JSON")


def test_a_split_upload_reads_as_the_sum_of_its_ranges(uploads: DynamoUploads) -> None:
    split = upload(count=30, status=UploadStatus.INGESTING, ranges=3)
    uploads.create(split)
    uploads.save_ranges(CITY, "u-1", [state(i) for i in range(3)])
    uploads.save_ranges(
        CITY,
        "u-1",
        [
            state(2, offset=300, line=30, lines=9, accepted=8, rejected=1, errors=(error(25),)),
            state(0, offset=50, line=5, lines=5, duplicate=4, rejected=1, errors=(error(3),)),
        ],
    )

    read = uploads.get(CITY, "u-1")

    assert read is not None
    assert (read.lines, read.accepted, read.duplicate, read.rejected) == (14, 8, 4, 2)
    assert [e.line for e in read.errors] == [3, 25]
    assert (read.offset, read.line) == (150, 15)
    assert [u.accepted for u in uploads.page(CITY, 10)[0]] == [8]
    assert [s.index for s in uploads.ranges(CITY, "u-1", 3)] == [0, 1, 2]

    uploads.save(read.model_copy(update={"status": UploadStatus.COMPLETED}))  # sums not kept twice
    again = uploads.get(CITY, "u-1")
    assert again is not None
    assert (again.status, again.accepted, again.errors) == ("completed", 8, read.errors)


def test_each_range_is_leased_on_its_own_and_its_lease_survives_a_save(
    uploads: DynamoUploads,
) -> None:
    uploads.create(upload(status=UploadStatus.INGESTING, ranges=2))
    uploads.save_ranges(CITY, "u-1", [state(0), state(1)])
    now, until = ACCEPTED_AT, ACCEPTED_AT + timedelta(minutes=16)

    assert uploads.lease(CITY, "u-1", "a", now, until, 0)
    uploads.save_ranges(CITY, "u-1", [state(0, lines=3)])
    assert not uploads.lease(CITY, "u-1", "b", now, until, 0)
    assert uploads.lease(CITY, "u-1", "b", now, until, 1)
    assert uploads.lease(CITY, "u-1", "c", now, until)  # the upload's own lease is apart
    uploads.release(CITY, "u-1", "a", 0)
    assert uploads.lease(CITY, "u-1", "b", now, until, 0)


def test_ranges_are_queued_one_message_each_and_read_back(aws: Any) -> None:
    url = aws.env["CG_UPLOAD_QUEUE_URL"]
    SqsUploadQueue(aws.sqs, url).ingest_ranges(CITY, "u-1", list(range(12)))

    bodies: list[str] = []
    while batch := aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            bodies.append(message["Body"])
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    ranges = [part for part in map(range_in, bodies) if part is not None]  # and S3's test event
    assert sorted(ranges) == [(CITY, "u-1", i) for i in range(12)]
    assert all(list(uploads_in(body)) == [] for body in bodies)


@pytest.mark.parametrize(
    "body", ['{"range": {"region": "441800", "upload_id": "u"}}', "[1]", "not json", "{}"]
)
def test_other_messages_are_not_ranges(body: str) -> None:
    assert range_in(body) is None
    assert range_in(json.dumps({"continue": {"region": CITY, "upload_id": "u-1"}})) is None
