"""Monthly usage counters (checks, codes checked, reports) in the batches table: one item per
province and month, one attribute per region and counter, so a province's statistics read one
item and a check adds to its counters atomically (``ADD``). Kept three years, like the trail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from chalicelib.dynamodb.base import Item, Table, n, s
from gateway_client.contract import within

_KEEP = timedelta(days=1096)


def _key(month: str, region: str) -> Item:
    return {"pk": s(f"usage#{month}#{region[:2]}")}


class DynamoUsage(Table):
    def add(self, region: str, month: str, counts: Mapping[str, int], now: datetime) -> None:
        names = {f"#c{i}": f"{region}#{name}" for i, name in enumerate(counts)}
        values = {f":c{i}": n(count) for i, count in enumerate(counts.values())}
        self._client.update_item(
            TableName=self._table,
            Key=_key(month, region),
            UpdateExpression="ADD "
            + ", ".join(f"{name} {value}" for name, value in zip(names, values, strict=True))
            + " SET expires_at = :expires",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, ":expires": n(int((now + _KEEP).timestamp()))},
        )

    def read(self, region: str, month: str) -> Counter[str]:
        """The counters of ``region``'s subtree in ``month``, summed."""
        item = self._get(_key(month, region)) or {}
        totals: Counter[str] = Counter()
        for attribute, value in item.items():
            where, sep, name = attribute.partition("#")
            if sep and where.isdigit() and within(where, region):
                totals[name] += int(value["N"])
        return totals
