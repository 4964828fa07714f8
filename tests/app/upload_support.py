"""A bulk upload as a platform makes one, in the test client: the signed manifest, the file put
where the presigned URL points, and the bucket's notice handed to the ingest function."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from app_support import CITY, Gateway
from delivery_support import AWS_REGION

import app as gateway_app
from gateway_client.contract.signing import Ed25519Signer


def uploaded(
    gateway: Gateway,
    aws: Any,
    signer: Ed25519Signer,
    lines: list[Any],
    region: str = CITY,
    at: datetime | None = None,
    **mode: Any,
) -> str:
    """Ask for an upload as ``region`` at ``at`` (default: now; ``mode``: manifest fields such as
    a resync's), put its file and ingest it; its upload id."""
    content = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()
    upload_id = f"u-{uuid.uuid4().hex}"
    manifest = {
        "region": region,
        "upload_id": upload_id,
        "issued_at": (at or datetime.now(UTC)).isoformat(),
        "count": len(lines),
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        **mode,
    }
    body = json.dumps(manifest).encode()
    asked = gateway.post_signed("/v1/uploads", signer, upload_id, body, at)
    assert asked.status_code == 201, asked.json_body
    key = asked.json_body["upload"]["object_key"]  # uploads/, or check-inputs/ for a check
    put = aws.s3.put_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key, Body=content)
    notice = {"Records": [{"s3": {"object": {"key": key, "versionId": put.get("VersionId")}}}]}
    record = {
        "messageId": uuid.uuid4().hex,
        "receiptHandle": "local",
        "body": json.dumps(notice),
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSource": "aws:sqs",
        "awsRegion": AWS_REGION,
    }
    gateway_app.ingest_uploads({"Records": [record]}, None)
    return upload_id
