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
from lifecycle_support import Lifecycle, recent_entry, this_month

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.intake import BulkIngest, BulkPolicy, bulk_batches
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.push_client import fresh_id


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
    upload_id = upload_id or fresh_id("u-")
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
    version = put_object(aws, asked)
    return queue_record(
        {"Records": [{"s3": {"object": {"key": asked.object_key, "versionId": version}}}]}
    )


def put_object(aws: Any, asked: Asked) -> str | None:
    """The file put where the presigned URL points: the object's version id."""
    put = aws.s3.put_object(
        Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=asked.object_key, Body=asked.content
    )
    version: str | None = put.get("VersionId")
    return version


def queue_record(body: dict[str, Any], receive_count: int = 1) -> dict[str, Any]:
    """The upload queue's record of a message with ``body``, as the ingest function gets it."""
    return {
        "messageId": uuid.uuid4().hex,
        "receiptHandle": "local",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": str(receive_count)},
        "eventSource": "aws:sqs",
        "awsRegion": AWS_REGION,
    }


def ranges_of_two(monkeypatch: Any) -> BulkIngest:
    """The ingest function, its uploads split into ranges of two lines."""
    ingest = container().bulk_ingest
    monkeypatch.setattr(ingest, "_policy", BulkPolicy(range_lines=2))
    return ingest


def split_in_two(aws: Any, asked: Asked, region: str = CITY) -> str | None:
    """The file put and the upload's first run made (``ranges_of_two``): split into two ranges,
    the first not yet run. The object's version id."""
    version = put_object(aws, asked)
    split = container().bulk_ingest.process(region, asked.upload_id, version)
    assert split is not None
    assert split.ranges == 2, split
    return version


def pushes(gateway: Gateway) -> dict[str, int]:
    """The city's pushes this month, as the statistics report them."""
    report = Lifecycle(gateway).stats(CITY, this_month())
    assert report.status_code == 200, report.json_body
    return dict(report.json_body["pushes"])


@dataclass(frozen=True)
class Split:
    """An upload of four new listings by the city's key ``qth-old``, split in two ranges of two
    lines and stored a line a batch, its first run made; the month's pushes before it."""

    ingest: BulkIngest
    asked: Asked
    version: str | None
    before: dict[str, int]


def four_lines_in_two_ranges(gateway: Gateway, aws: Any, monkeypatch: Any) -> Split:
    city = gateway.register_platform(CITY, "qth-old")
    lines = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 5)]
    before = pushes(gateway)
    ingest = ranges_of_two(monkeypatch)
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", 1)
    asked = ask(gateway, city, lines)
    return Split(ingest, asked, split_in_two(aws, asked), before)


def revoke(gateway: Gateway, key_id: str, region: str = CITY) -> None:
    """The operator revokes the region's key."""
    gone = gateway.client.http.delete(
        f"/v1/regions/{region}/keys/{key_id}", headers=gateway.operator()
    )
    assert gone.status_code == 200, gone.json_body


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
