"""A finished upload's lines in its month's pushes, kept equal to what the upload holds.

An upload is counted as it is saved finished (``upload_tally``), in the transaction that saves
it. What was counted is kept on its item (``pushes_counted``, each counter's count), so a later
save adds only the difference: a split upload refused by one range's run while another range
was still storing lines is counted again, whole, when that range saves it after (review 211:
those lines were never counted), and a save repeated counts nothing. Two saves at once: the one
whose condition fails reads what the other counted and tries again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, s, text
from chalicelib.dynamodb.conflicts import transact
from chalicelib.dynamodb.statistics import DynamoStatistics, items_of
from gateway.intake import Upload, upload_level
from gateway.statistics import upload_tally

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_TRIES = 3


class UploadCounts(Table):
    def __init__(self, client: DynamoDBClient, table: str, statistics: DynamoStatistics) -> None:
        super().__init__(client, table)
        self._statistics = statistics

    def save(self, key: Item, upload: Upload) -> bool:
        """Save ``upload`` with what its counts add since the last count; False when nothing
        is to be counted (the caller saves it plainly)."""
        tally = upload_tally(upload)
        if not tally:
            return False
        now = {attribute: count for (_, _, attribute), count in tally.items()}
        for _ in range(_TRIES):
            item = self._get(key) or {}
            was = json.loads(text(item, "pushes_counted")) if "pushes_counted" in item else {}
            delta = {k: n - was.get(k[2], 0) for k, n in tally.items() if n != was.get(k[2], 0)}
            if not delta:
                return False
            if self._counted(key, upload, was, now, delta):
                return True
        raise RuntimeError(f"upload {key} kept being saved meanwhile; its count is retried")

    def _counted(
        self,
        key: Item,
        upload: Upload,
        was: dict[str, int],
        now: dict[str, int],
        delta: dict[tuple[str, str, str], int],
    ) -> bool:
        """One transaction: the doc, what is counted now, and the difference added."""
        condition = "attribute_not_exists(pushes_counted)"
        values: dict[str, Any] = {
            ":doc": s(upload_level(upload).model_dump_json()),
            ":now": s(json.dumps(now, sort_keys=True)),
        }
        if was:
            condition = "pushes_counted = :was"
            values[":was"] = s(json.dumps(was, sort_keys=True))
        saving: Any = {
            "TableName": self._table,
            "Key": key,
            "UpdateExpression": "SET doc = :doc, pushes_counted = :now",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        adding: list[Any] = [
            {"Update": self._statistics.update(where, bucket, counts, upload.updated_at)}
            for where, bucket, counts in items_of(delta, upload.updated_at)
        ]
        try:
            transact(self._client, [{"Update": saving}, *adding])
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") != "ConditionalCheckFailed":
                raise
            return False
        return True
