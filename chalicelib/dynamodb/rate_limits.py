"""Rate-limit windows as counters in the batches table (expired by its TTL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, is_conditional_failure, n, s


class DynamoRateCounter(Table):
    def take(self, region: str, window_start: datetime, limit: int) -> bool:
        try:
            self._client.update_item(
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
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True
