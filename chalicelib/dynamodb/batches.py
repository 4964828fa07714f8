"""The batch ledger: one item per (region, batch id) makes pushes idempotent.

A batch's result is kept gzipped (``result_gz``): 5,000 outcomes and 500 errors are about 1 MB
of JSON, over DynamoDB's 400 KB item, and a push that failed to record its result after writing
its listings answered 500 and could never be retried to success (review 45). Items written
before keep ``result`` as text, and are read as they are.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from typing import Any

from chalicelib.dynamodb.base import Table, n, s, text
from chalicelib.dynamodb.conflicts import transact
from chalicelib.dynamodb.statistics import DynamoStatistics, items_of
from gateway.intake import PushResult
from gateway.statistics import push_tally
from gateway_client.contract import BatchIdReused, BatchInProgress

RETENTION = timedelta(days=30)


def result_of(item: dict[str, Any]) -> PushResult:
    """A finished batch's result, as kept now (gzipped) or before (text)."""
    kept = item.get("result_gz")
    if kept is not None:
        return PushResult.model_validate_json(gzip.decompress(kept["B"]))
    return PushResult.model_validate_json(text(item, "result"))


class DynamoBatchLedger(Table):
    def claim(
        self, region: str, batch_id: str, body_sha256: str, now: datetime, lease: timedelta
    ) -> PushResult | None:
        key = {"pk": s(f"{region}#{batch_id}")}
        if self._put_if(
            TableName=self._table,
            Item={
                **key,
                "body_sha256": s(body_sha256),
                "state": s("in_progress"),
                "lease_until": n(int((now + lease).timestamp())),
                "expires_at": n(int((now + RETENTION).timestamp())),
            },
            # A crashed attempt's lease runs out, so the same batch can be retried.
            ConditionExpression="attribute_not_exists(pk) OR "
            "(#state = :progress AND lease_until < :now AND body_sha256 = :hash)",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":progress": s("in_progress"),
                ":now": n(int(now.timestamp())),
                ":hash": s(body_sha256),
            },
        ):
            return None
        return self._earlier(region, batch_id, body_sha256)

    def _earlier(self, region: str, batch_id: str, body_sha256: str) -> PushResult:
        item = self._get({"pk": s(f"{region}#{batch_id}")})
        if item is None:  # expired between the two calls: a client retry will start afresh
            raise BatchInProgress(f"batch {batch_id} is being processed; retry shortly")
        if text(item, "body_sha256") != body_sha256:
            raise BatchIdReused(
                f"batch id {batch_id} was already used for a different body",
                batch_id=batch_id,
                path="batch_id",
            )
        if text(item, "state") != "done":
            raise BatchInProgress(f"batch {batch_id} is being processed; retry shortly")
        return result_of(item)

    def finish(self, region: str, batch_id: str, result: PushResult) -> None:
        """The batch done, and counted in its month's statistics in the same transaction: a
        batch finishes once (a retry finds it done), so it is counted exactly once."""
        done: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": s(f"{region}#{batch_id}")},
            "UpdateExpression": "SET #state = :done, result_gz = :result, received_at = :at",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {
                ":done": s("done"),
                ":result": {"B": gzip.compress(result.model_dump_json().encode(), 6, mtime=0)},
                ":at": s(result.received_at.isoformat()),
            },
        }
        counters = DynamoStatistics(self._client, self._table)
        counted = [
            {"Update": counters.update(where, bucket, counts, result.received_at)}
            for where, bucket, counts in items_of(push_tally(result), result.received_at)
        ]
        transact(self._client, [{"Update": done}, *counted])  # type: ignore[typeddict-item, list-item]
