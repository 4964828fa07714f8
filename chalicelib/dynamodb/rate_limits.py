"""Rate-limit windows as counters in the batches table (expired by its TTL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.dynamodb.base import Item, Table, n, s


def _key(region: str, window_start: datetime) -> Item:
    return {"pk": s(f"rate#{region}#{window_start:%Y%m%dT%H%M}")}


class DynamoRateCounter(Table):
    def take(self, region: str, window_start: datetime, limit: int) -> bool:
        return self._update_if(
            TableName=self._table,
            Key=_key(region, window_start),
            UpdateExpression="ADD used :one SET expires_at = :expires",
            ConditionExpression="attribute_not_exists(used) OR used < :limit",
            ExpressionAttributeValues={
                ":one": n(1),
                ":limit": n(limit),
                ":expires": n(int((window_start + timedelta(hours=1)).timestamp())),
            },
        )

    def give_back(self, region: str, window_start: datetime) -> None:
        self._update_if(
            TableName=self._table,
            Key=_key(region, window_start),
            UpdateExpression="ADD used :minus",
            ConditionExpression="used > :zero",
            ExpressionAttributeValues={":minus": n(-1), ":zero": n(0)},
        )
