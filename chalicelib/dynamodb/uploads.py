"""Upload records keyed by (region, upload id): the manifest, progress and result in one item."""

from __future__ import annotations

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, is_conditional_failure, s, text
from gateway.bulk import Upload


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

    def save(self, upload: Upload) -> None:
        manifest = upload.manifest
        self._put_doc(_key(manifest.region, manifest.upload_id), upload.model_dump_json())
