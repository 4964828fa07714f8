"""What each witness last cosigned, in the exchange-log table (``witness#<name>``: its size).

The size is what the gateway sends as ``old`` in the next add-checkpoint request (C2SP
tlog-witness); it only moves forward, by a write conditioned on the size read, so two ticks
asking the same witness at once cannot roll it back."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.dynamodb.base import Table, n, s, text

_BATCH = 100  # BatchGetItem's most keys


def _key(name: str) -> str:
    return f"witness#{name}"


class DynamoWitnessSizes(Table):
    def size(self, name: str) -> int:
        item = self._get({"pk": s(_key(name))})
        return int(item["size"]["N"]) if item else 0

    def sizes(self, names: Sequence[str]) -> list[int]:
        """``size`` of each witness, in order, 100 a request (``GET /v1/log/checkpoints``
        asks for every listed witness's)."""
        unique = list(dict.fromkeys(names))
        found: dict[str, int] = {}
        for start in range(0, len(unique), _BATCH):
            keys = [{"pk": s(_key(x))} for x in unique[start : start + _BATCH]]
            for item in self._batch_get({"Keys": keys, "ConsistentRead": True}):
                found[text(item, "pk")] = int(item["size"]["N"])
        return [found.get(_key(x), 0) for x in names]

    def advance(self, name: str, before: int, size: int) -> bool:
        """Record ``size`` unless the recorded one is no longer ``before``."""
        return self._put_if(
            TableName=self._table,
            Item={"pk": s(_key(name)), "size": n(size)},
            ConditionExpression="attribute_not_exists(pk) AND :before = :zero OR #size = :before",
            ExpressionAttributeNames={"#size": "size"},
            ExpressionAttributeValues={":before": n(before), ":zero": n(0)},
        )
