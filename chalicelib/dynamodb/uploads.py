"""Upload records keyed by (region, upload id): the manifest, progress and result in one item."""

from __future__ import annotations

from datetime import UTC, datetime

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, is_conditional_failure, n, s, text
from gateway.intake import Upload


def _key(region: str, upload_id: str) -> Item:
    return {"upload_key": s(f"{region}#{upload_id}")}


class DynamoUploads(Table):
    def create(self, upload: Upload) -> Upload | None:
        manifest = upload.manifest
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **_key(manifest.region, manifest.upload_id),
                    "doc": s(upload.model_dump_json()),
                    "region": s(manifest.region),  # the by_region index: newest first
                    "created_at": s(upload.created_at.astimezone(UTC).isoformat()),
                },
                ConditionExpression="attribute_not_exists(upload_key)",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return self.get(manifest.region, manifest.upload_id)
            raise
        return None

    def get(self, region: str, upload_id: str) -> Upload | None:
        item = self._get(_key(region, upload_id))
        return Upload.model_validate_json(text(item, "doc")) if item else None

    def for_region(self, region: str, limit: int) -> list[Upload]:
        """The region's uploads, newest first (the ``by_region`` index)."""
        found: list[Upload] = []
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName="by_region",
            KeyConditionExpression="#region = :region",
            ExpressionAttributeNames={"#region": "region"},
            ExpressionAttributeValues={":region": s(region)},
            ScanIndexForward=False,
            PaginationConfig={"PageSize": limit},
        )
        for page in pages:
            found += [Upload.model_validate_json(text(item, "doc")) for item in page["Items"]]
            if len(found) >= limit:
                break
        return found[:limit]

    def save(self, upload: Upload) -> None:
        manifest = upload.manifest
        self._client.update_item(  # not a put: the lease attributes stay
            TableName=self._table,
            Key=_key(manifest.region, manifest.upload_id),
            UpdateExpression="SET doc = :doc",
            ExpressionAttributeValues={":doc": s(upload.model_dump_json())},
        )

    def lease(
        self, region: str, upload_id: str, owner: str, now: datetime, until: datetime
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(region, upload_id),
                UpdateExpression="SET lease_owner = :owner, lease_until = :until",
                ConditionExpression="attribute_exists(upload_key) AND "
                "(attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeValues={
                    ":owner": s(owner),
                    ":until": n(int(until.timestamp())),
                    ":now": n(int(now.timestamp())),
                },
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def release(self, region: str, upload_id: str, owner: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(region, upload_id),
                UpdateExpression="REMOVE lease_owner, lease_until",
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues={":owner": s(owner)},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
