"""The upload queue: S3's ObjectCreated notifications, and continuations of long ingests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

_UPLOAD_KEY = re.compile(r"^uploads/(?P<region>[0-9]{6})/(?P<upload_id>[^/]+)\.ndjson$")

UploadRef = tuple[str, str, str | None]
"""(region, upload id, object version id)"""


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
