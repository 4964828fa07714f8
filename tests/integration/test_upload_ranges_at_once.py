"""A split upload's ranges ingested by threads at the same time against DynamoDB and S3 (moto):
each range's lease and checkpoint item, the listings' compare-and-set and the upload's own step
(run by whichever range finishes last, or retried when another holds it) end where one run
would — every line counted once, each listing at its newest version; of two lines giving one
version two contents, the first is stored and the later refused (``version_reused``), as in one
run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from integration_support import REGION

from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.uploads import DynamoUploads
from chalicelib.s3_archive import S3Archive
from gateway.intake import BulkIngest, BulkPolicy, Upload, UploadManifest
from gateway.intake.bulk import upload_key
from gateway.intake.bulk_terms import UploadBusy
from gateway.registry import Region
from gateway_client.contract import ListingEntry, identity_of
from gateway_client.contract.clock import FixedClock
from infra.local.synthetic import entry

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
RANGE, RANGES = 40, 4


class _Key:
    region = REGION

    def is_valid_at(self, now: datetime) -> bool:
        return True


class _Registry:
    def get_key(self, key_id: str) -> _Key:
        return _Key()

    def get_region(self, code: str) -> Region:
        return Region(code=code, name=code)


class _Queue:
    def __init__(self) -> None:
        self.pending: list[int] = []

    def ingest_ranges(self, region: str, upload_id: str, indexes: Sequence[int]) -> None:
        self.pending += indexes


def _file(aws: Any) -> tuple[bytes, str | None]:
    rows = [entry(REGION, i) for i in range(1, RANGES * RANGE + 1)]
    rows[RANGE + 1] = entry(REGION, 1, version=30)  # newer than line 1, in the second range
    rows[3 * RANGE + 2] = {**entry(REGION, 2), "reason": "同一版本，另一说法"}  # line 2's version
    content = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    put = aws.s3.put_object(
        Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=upload_key(REGION, "u-1"), Body=content
    )
    return content, put.get("VersionId")


def test_ranges_ingested_at_the_same_time_end_as_one_run(aws: Any) -> None:
    uploads = DynamoUploads(aws.dynamodb, aws.env["CG_UPLOADS_TABLE"])
    listings = DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])
    content, version = _file(aws)
    manifest = UploadManifest(
        region=REGION,
        upload_id="u-1",
        issued_at=NOW,
        count=RANGES * RANGE,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    key = upload_key(REGION, "u-1")
    uploads.create(
        Upload(manifest=manifest, key_id="k", object_key=key, created_at=NOW, updated_at=NOW)
    )
    queue = _Queue()
    ingest = BulkIngest(
        uploads,
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
        listings,
        listings,
        FixedClock(NOW),
        _Registry(),  # type: ignore[arg-type]
        BulkPolicy(range_lines=RANGE),
        queue=queue,
        purged=lambda ids: {},
    )

    split = ingest.process(REGION, "u-1", version)
    assert split is not None
    assert (split.ranges, sorted(queue.pending)) == (RANGES + 1, list(range(RANGES)))

    def run(index: int) -> None:
        for _ in range(20):  # SQS delivers a message again while the upload's step is held
            try:
                ingest.process_range(REGION, "u-1", index)
                return
            except UploadBusy:
                continue
        raise AssertionError(f"range {index} kept finding the upload held")

    started, queue.pending = queue.pending, []
    with ThreadPoolExecutor(max_workers=RANGES) as pool:
        list(pool.map(run, started))
    while queue.pending:  # the lines naming one listing twice: one range, in file order
        run(queue.pending.pop())

    done = uploads.get(REGION, "u-1")
    assert done is not None
    assert (done.status, done.lines, done.rejected) == ("completed", RANGES * RANGE, 1)
    assert done.accepted + done.duplicate + done.rejected == RANGES * RANGE
    assert done.duplicate == 1  # the older copy of 1: one batch, as in one run
    assert [(e.line, e.code) for e in done.errors] == [(3 * RANGE + 3, "version_reused")]
    first = ListingEntry.model_validate(entry(REGION, 1, version=30))
    tie = ListingEntry.model_validate(entry(REGION, 2))
    held = listings.current([(x.credit_code, identity_of(x)) for x in (first, tie)])
    assert held[identity_of(first)].source_updated_at == first.source_updated_at
    assert held[identity_of(tie)].reason == tie.reason
