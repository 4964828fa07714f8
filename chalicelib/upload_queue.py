"""The upload queue: S3's ObjectCreated notifications, continuations of long ingests, and the
ranges a large upload is split into (one message each: ``gateway.intake.bulk_ranges``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# uploads/ (lists), check-inputs/ (a bulk check's codes): gateway.intake.upload_key
_UPLOAD_KEY = re.compile(
    r"^(?:uploads|check-inputs)/(?P<region>[0-9]{6})/(?P<upload_id>[^/]+)\.ndjson$"
)

UploadRef = tuple[str, str, str | None]
"""(region, upload id, object version id)"""
RangeRef = tuple[str, str, int]
"""(region, upload id, range index)"""
_SEND_BATCH = 10  # SendMessageBatch's most


def range_in(body: str) -> RangeRef | None:
    """The range a queue message is about, if it is a range's message."""
    try:
        message: Any = json.loads(body)
    except ValueError:
        return None
    part = message.get("range") if isinstance(message, dict) else None
    if not isinstance(part, dict) or not isinstance(part.get("index"), int):
        return None
    return str(part.get("region")), str(part.get("upload_id")), part["index"]


def uploads_in(body: str) -> Iterator[UploadRef]:
    """The uploads a queue message is about; S3's test event and foreign keys yield nothing."""
    try:
        message: Any = json.loads(body)
    except ValueError:
        return
    if not isinstance(message, dict):
        return
    resumed = message.get("continue")
    if isinstance(resumed, dict):
        yield str(resumed.get("region")), str(resumed.get("upload_id")), None
        return
    records = message.get("Records")
    for record in records if isinstance(records, list) else []:
        s3 = record.get("s3") if isinstance(record, dict) else None
        obj = s3.get("object") if isinstance(s3, dict) else None
        if not isinstance(obj, dict):
            continue
        match = _UPLOAD_KEY.fullmatch(unquote_plus(str(obj.get("key", ""))))
        if match:
            yield match["region"], match["upload_id"], obj.get("versionId")


class SqsUploadQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def continue_later(self, region: str, upload_id: str) -> None:
        body = {"continue": {"region": region, "upload_id": upload_id}}
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps(body))

    def ingest_ranges(
        self, region: str, upload_id: str, indexes: Sequence[int], delay: int = 0
    ) -> None:
        """One message a range; ``delay`` seconds before they are received (SQS's
        ``DelaySeconds``, at most 900)."""
        bodies = [
            json.dumps({"range": {"region": region, "upload_id": upload_id, "index": index}})
            for index in indexes
        ]
        for start in range(0, len(bodies), _SEND_BATCH):
            chunk = bodies[start : start + _SEND_BATCH]
            reply = self._client.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(i), "MessageBody": body, "DelaySeconds": delay}
                    for i, body in enumerate(chunk)
                ],
            )
            if reply.get("Failed"):
                raise RuntimeError(f"the upload queue refused range messages: {reply['Failed']}")
