"""A finished upload's lines in its month's pushes, kept equal to what the upload holds.

An upload is counted as it is saved finished (``upload_tally``), in the transaction that saves
it. What was counted is kept on its item (``pushes_counted``, each counter's count), so a later
save adds only the difference: a split upload refused by one range's run while another range
was still storing lines is counted again, whole, when that range saves it after (review 211:
those lines were never counted), and a save repeated counts nothing. Two saves at once: the one
whose condition fails reads what the other counted and tries again.

The same difference goes to the console's hourly activity (``DynamoActivity.add_pushes``), at
the save's time, after the transaction: so the hour's pushes are the month's, whatever run
crashed, raced or split the upload (review 288: counted per chunk by the runs, a crashed run's
lines were lost, a duplicate notice counted an upload twice, a split resync's removals never).

Counts only grow: lines stored and listings removed are never taken back. A save from an older
read (a range's refusal, saved without the upload's lease, landing after the run that removed
more) holds less than was counted: it is not saved at all, the record keeping the newer counts,
and the month never goes back (review 230). A save ahead on some counters and behind on others
adds only what grew.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.activity import DynamoActivity
from chalicelib.dynamodb.base import Item, Table, s, text
from chalicelib.dynamodb.conflicts import transact
from chalicelib.dynamodb.statistics import DynamoStatistics, items_of
from gateway.intake import Upload, upload_level
from gateway.statistics import upload_tally

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_TRIES = 3
log = logging.getLogger("credit_gateway.uploads")


class UploadCounts(Table):
    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        statistics: DynamoStatistics,
        activity: DynamoActivity | None = None,
    ) -> None:
        super().__init__(client, table)
        self._statistics = statistics
        self._activity = activity

    def save(self, key: Item, upload: Upload) -> bool:
        """Save ``upload`` with what its counts add since the last count; False when nothing
        is to be counted (the caller saves it plainly). True, nothing written, when the upload
        counts less than was counted: a save from an older read."""
        tally = upload_tally(upload)
        if not tally:
            return False
        for _ in range(_TRIES):
            item = self._get(key) or {}
            was = json.loads(text(item, "pushes_counted")) if "pushes_counted" in item else {}
            delta = {k: n - was.get(k[2], 0) for k, n in tally.items() if n > was.get(k[2], 0)}
            if not delta:  # as counted (a repeat: saved plainly), or behind it (stale: kept)
                return any(n < was.get(k[2], 0) for k, n in tally.items())
            now = was | {attribute: count for (_, _, attribute), count in tally.items()}
            now = {a: max(n, was.get(a, 0)) for a, n in now.items()}
            if self._counted(key, upload, was, now, delta):
                self._in_activity(upload, delta)
                return True
        raise RuntimeError(f"upload {key} kept being saved meanwhile; its count is retried")

    def _in_activity(self, upload: Upload, delta: dict[tuple[str, str, str], int]) -> None:
        """Bookkeeping: a counter that cannot be written is logged, never the save's failure."""
        if self._activity is None:
            return
        counts = {attribute.partition("#")[2]: n for (_, _, attribute), n in delta.items()}
        try:
            self._activity.add_pushes(upload.manifest.region, counts, upload.updated_at)
        except Exception:
            log.warning("activity counters not written", exc_info=True)

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
