"""Rate-limit windows as counters in the batches table (expired by its TTL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.dynamodb.base import Table, n, s


class DynamoRateCounter(Table):
    def take(self, region: str, window_start: datetime, limit: int) -> bool:
        return self._update_if(
            TableName=self._table,
            Key={"pk": s(f"rate#{region}#{window_start:%Y%m%dT%H%M}")},
            UpdateExpression="ADD used :one SET expires_at = :expires",
            ConditionExpression="attribute_not_exists(used) OR used < :limit",
            ExpressionAttributeValues={
                ":one": n(1),
                ":limit": n(limit),
                ":expires": n(int((window_start + timedelta(hours=1)).timestamp())),
            },
        )
