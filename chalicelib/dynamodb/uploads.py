"""Upload records keyed by (region, upload id): the manifest, progress and result in one item;
a split upload's ranges (``gateway.intake.bulk_ranges``) in items of their own beside it, keyed
``{region}#{upload id}#{index}`` and left out of the ``by_region`` index (no ``region``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.activity import DynamoActivity
from chalicelib.dynamodb.base import Item, Table, n, s, text
from chalicelib.dynamodb.statistics import DynamoStatistics
from chalicelib.dynamodb.upload_counts import UploadCounts
from gateway.intake import (
    MISMATCH,
    RangeState,
    Upload,
    UploadManifest,
    UploadStatus,
    upload_level,
    with_ranges,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_BATCH_GET = 100


def _start(region: str, after: tuple[str, str] | None) -> Item | None:
    if after is None:
        return None
    upload_key, created_at = after
    return {"upload_key": s(upload_key), "region": s(region), "created_at": s(created_at)}


def _issue_order(manifest: UploadManifest) -> str:
    """A resync's place in the ``resyncs_by_issue`` index: its issue time, fixed width in UTC
    so that the strings sort as the times do, then its id (``resync_order``'s order)."""
    issued = manifest.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{issued}#{manifest.upload_id}"


def _key(region: str, upload_id: str, part: int | None = None) -> Item:
    suffix = "" if part is None else f"#{part}"
    return {"upload_key": s(f"{region}#{upload_id}{suffix}")}


class DynamoUploads(Table):
    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        statistics: DynamoStatistics | None = None,
        activity: DynamoActivity | None = None,
    ) -> None:
        super().__init__(client, table)
        self._counts = UploadCounts(client, table, statistics, activity) if statistics else None

    def create(self, upload: Upload) -> Upload | None:
        manifest = upload.manifest
        if self._put_if(
            TableName=self._table,
            Item={
                **_key(manifest.region, manifest.upload_id),
                "doc": s(upload.model_dump_json()),
                "region": s(manifest.region),  # the by_region index: newest first
                "created_at": s(upload.created_at.astimezone(UTC).isoformat()),
                **(
                    {"resync_region": s(manifest.region), "issue_order": s(_issue_order(manifest))}
                    if manifest.mode == "resync"
                    else {}  # in the sparse index of resyncs alone
                ),
            },
            ConditionExpression="attribute_not_exists(upload_key)",
        ):
            return None
        return self.get(manifest.region, manifest.upload_id)

    def get(self, region: str, upload_id: str) -> Upload | None:
        """The upload with its ranges' counts added (``with_ranges``)."""
        item = self._get(_key(region, upload_id))
        return self.viewed(Upload.model_validate_json(text(item, "doc"))) if item else None

    def viewed(self, upload: Upload) -> Upload:
        """A split upload with its ranges' counts summed (``with_ranges``)."""
        if upload.ranges <= 1:
            return upload
        manifest = upload.manifest
        return with_ranges(upload, self.ranges(manifest.region, manifest.upload_id, upload.ranges))

    def resyncs_after(self, upload: Upload) -> Iterator[Upload]:
        """The region's resyncs issued after ``upload``, the earliest first, page by page (the
        sparse ``resyncs_by_issue`` index: however many other uploads came between)."""
        manifest = upload.manifest
        items = self._query_items(
            TableName=self._table,
            IndexName="resyncs_by_issue",
            KeyConditionExpression="resync_region = :region AND issue_order > :after",
            ExpressionAttributeValues={
                ":region": s(manifest.region),
                ":after": s(_issue_order(manifest)),
            },
        )
        return (Upload.model_validate_json(text(item, "doc")) for item in items)

    def page(
        self, region: str, limit: int, after: tuple[str, str] | None = None
    ) -> tuple[list[Upload], tuple[str, str] | None]:
        """Up to ``limit`` of the region's uploads, newest first, from after the one ``after``
        names (its ``(upload_key, created_at)``, as a previous page's ``next`` gave it), and
        where the next page starts (``None``: no more). A query page stops at 1 MB, so one
        ``limit`` may take several."""
        found: list[Upload] = []
        start = _start(region, after)
        while len(found) < limit:
            args: dict[str, Any] = {} if start is None else {"ExclusiveStartKey": start}
            reply = self._client.query(
                TableName=self._table,
                IndexName="by_region",
                KeyConditionExpression="#region = :region",
                ExpressionAttributeNames={"#region": "region"},
                ExpressionAttributeValues={":region": s(region)},
                ScanIndexForward=False,
                Limit=limit - len(found),
                **args,
            )
            found += [Upload.model_validate_json(text(i, "doc")) for i in reply["Items"]]
            start = reply.get("LastEvaluatedKey")
            if start is None:
                break
        following = (
            None if start is None else (text(start, "upload_key"), text(start, "created_at"))
        )
        return [self.viewed(upload) for upload in found], following

    def save(self, upload: Upload) -> None:
        """The record's own state: a split upload's per-line counts stay in its ranges. Saved
        finished, it is counted in its month's pushes in the same transaction, by what it adds
        to what was counted before (``upload_counts``)."""
        manifest = upload.manifest
        key = _key(manifest.region, manifest.upload_id)
        if self._counts is None or not self._counts.save(key, upload):
            self._set_doc(key, upload_level(upload))

    def save_if_awaiting(self, upload: Upload, now: datetime) -> bool:
        manifest = upload.manifest
        return self._update_if(
            TableName=self._table,
            Key=_key(manifest.region, manifest.upload_id),
            UpdateExpression="SET doc = :doc",
            # in compact JSON only the field itself reads so: a string escapes its quotes; an
            # ingest run holds the lease while its upload still reads as awaiting (pass 1)
            ConditionExpression="(contains(doc, :awaiting) OR contains(doc, :mismatch)) AND "
            "(attribute_not_exists(lease_until) OR lease_until < :now)",
            ExpressionAttributeValues={
                ":doc": s(upload.model_dump_json()),
                ":awaiting": s(f'"status":"{UploadStatus.AWAITING_UPLOAD.value}"'),
                ":mismatch": s(f'"code":"{MISMATCH}"'),  # refused for a file: another may pass
                ":now": n(int(now.timestamp())),
            },
        )

    def save_ranges(self, region: str, upload_id: str, states: Sequence[RangeState]) -> None:
        for state in states:
            self._set_doc(_key(region, upload_id, state.index), state)

    def ranges(self, region: str, upload_id: str, count: int) -> list[RangeState]:
        found: list[RangeState] = []
        for start in range(0, count, _BATCH_GET):
            keys = [
                _key(region, upload_id, i) for i in range(start, min(count, start + _BATCH_GET))
            ]
            items = self._batch_get({"Keys": keys, "ConsistentRead": True})
            found += [RangeState.model_validate_json(text(item, "doc")) for item in items]
        return sorted(found, key=lambda state: state.index)

    def _set_doc(self, key: Item, doc: Upload | RangeState) -> None:
        self._client.update_item(  # not a put: the lease attributes stay
            TableName=self._table,
            Key=key,
            UpdateExpression="SET doc = :doc",
            ExpressionAttributeValues={":doc": s(doc.model_dump_json())},
        )

    def lease(
        self,
        region: str,
        upload_id: str,
        owner: str,
        now: datetime,
        until: datetime,
        part: int | None = None,
    ) -> bool:
        """A range's item exists before it is leased (``save_ranges`` at the split)."""
        return self._update_if(
            TableName=self._table,
            Key=_key(region, upload_id, part),
            UpdateExpression="SET lease_owner = :owner, lease_until = :until",
            ConditionExpression="attribute_exists(upload_key) AND "
            "(attribute_not_exists(lease_until) OR lease_until < :now)",
            ExpressionAttributeValues={
                ":owner": s(owner),
                ":until": n(int(until.timestamp())),
                ":now": n(int(now.timestamp())),
            },
        )

    def release(self, region: str, upload_id: str, owner: str, part: int | None = None) -> None:
        self._update_if(
            TableName=self._table,
            Key=_key(region, upload_id, part),
            UpdateExpression="REMOVE lease_owner, lease_until",
            ConditionExpression="lease_owner = :owner",
            ExpressionAttributeValues={":owner": s(owner)},
        )
