"""A bulk upload as a platform makes one, in the test client: the signed manifest, the file put
where the presigned URL points, and the bucket's notice handed to the ingest function."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app_support import CITY, Gateway
from delivery_support import AWS_REGION

import app as gateway_app
from gateway_client.contract.signing import Ed25519Signer


@dataclass(frozen=True)
class Asked:
    upload_id: str
    manifest: bytes  # as signed
    content: bytes  # the file
    object_key: str  # where the presigned URL points


def manifest_of(
    lines: list[Any], region: str, upload_id: str, at: datetime | None = None, **mode: Any
) -> tuple[bytes, bytes]:
    """The manifest of an upload of ``lines`` (``mode``: fields such as a resync's), and the
    file."""
    content = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()
    manifest = {
        "region": region,
        "upload_id": upload_id,
        "issued_at": (at or datetime.now(UTC)).isoformat(),
        "count": len(lines),
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        **mode,
    }
    return json.dumps(manifest).encode(), content


def ask(
    gateway: Gateway,
    signer: Ed25519Signer,
    lines: list[Any],
    region: str = CITY,
    at: datetime | None = None,
    upload_id: str | None = None,
    **mode: Any,
) -> Asked:
    """Ask for an upload of ``lines`` as ``region`` at ``at`` (default: now; ``mode``: manifest
    fields such as a resync's), under ``upload_id`` (default: a fresh one)."""
    upload_id = upload_id or f"u-{uuid.uuid4().hex}"
    body, content = manifest_of(lines, region, upload_id, at, **mode)
    asked = gateway.post_signed("/v1/uploads", signer, upload_id, body, at)
    assert asked.status_code == 201, asked.json_body
    # uploads/, or check-inputs/ for a check
    return Asked(upload_id, body, content, asked.json_body["upload"]["object_key"])


def put_and_ingest(aws: Any, asked: Asked) -> None:
    """The file put where the presigned URL points, and the bucket's notice ingested."""
    gateway_app.ingest_uploads({"Records": [put_file(aws, asked)]}, None)


def put_file(aws: Any, asked: Asked) -> dict[str, Any]:
    """The file put where the presigned URL points; the queue's record of the bucket's notice
    (to ingest, or ingest again as the queue's retry would)."""
    key = asked.object_key
    put = aws.s3.put_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key, Body=asked.content)
    notice = {"Records": [{"s3": {"object": {"key": key, "versionId": put.get("VersionId")}}}]}
    return {
        "messageId": uuid.uuid4().hex,
        "receiptHandle": "local",
        "body": json.dumps(notice),
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSource": "aws:sqs",
        "awsRegion": AWS_REGION,
    }


def uploaded(
    gateway: Gateway,
    aws: Any,
    signer: Ed25519Signer,
    lines: list[Any],
    region: str = CITY,
    at: datetime | None = None,
    **mode: Any,
) -> str:
    """Ask for an upload (``ask``), put its file and ingest it; its upload id."""
    asked = ask(gateway, signer, lines, region, at, **mode)
    put_and_ingest(aws, asked)
    return asked.upload_id
