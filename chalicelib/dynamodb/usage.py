"""Monthly usage counters (checks, codes checked, reports) in the batches table: one item per
province and month, one attribute per region and counter, so a province's statistics read one
item and a check adds to its counters atomically (``ADD``). Kept three years, like the trail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chalicelib.dynamodb.base import Item, Table, s
from gateway_client.contract import NATION, within

_KEEP = timedelta(days=1096)


def _key(month: str, region: str) -> Item:
    return {"pk": s(f"usage#{month}#{region[:2]}")}


class DynamoUsage(Table):
    def add(self, region: str, month: str, counts: Mapping[str, int], now: datetime) -> None:
        named = {f"{region}#{name}": count for name, count in counts.items()}
        self._add(_key(month, region), named, int((now + _KEEP).timestamp()))

    def read(self, region: str, month: str) -> Counter[str]:
        """The counters of ``region``'s subtree in ``month``, summed."""
        totals: Counter[str] = Counter()
        for item in self._items(month, region):
            for attribute, value in item.items():
                where, sep, name = attribute.partition("#")
                if sep and where.isdigit() and within(where, region):
                    totals[name] += int(value["N"])
        return totals

    def _items(self, month: str, region: str) -> list[dict[str, Any]]:
        """The one province's item; for the nation, whose subtree is every province, all of
        them (every two-digit prefix: 90 keys, one BatchGetItem, no scan)."""
        if region != NATION:
            return [item for item in [self._get(_key(month, region))] if item]
        keys = [_key(month, f"{p}0000") for p in range(10, 100)]
        return self._batch_get({"Keys": keys})
