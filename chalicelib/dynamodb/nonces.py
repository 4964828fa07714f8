"""Used request ids (``webhook-id`` per platform key) in the batches table, expired by its TTL.

One conditional put per signed request: ``attribute_not_exists(pk)`` makes the first use win
even when two copies of the request race; a record whose ``expires_at`` has passed counts as
gone, since DynamoDB deletes expired items only eventually.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.dynamodb.base import Table, n, s


class DynamoNonces(Table):
    def use(self, region: str, nonce: str, now: datetime, until: datetime) -> bool:
        return self._put_if(
            TableName=self._table,
            Item={
                "pk": s(f"nonce#{region}#{nonce}"),
                "used_at": s(now.isoformat()),
                "expires_at": n(int(until.timestamp())),
            },
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues={":now": n(int(now.timestamp()))},
        )
