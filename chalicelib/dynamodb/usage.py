"""Monthly usage counters (checks, codes checked, reports) in the batches table: one item per
province and month, one attribute per region and counter, so a province's statistics read one
item and a check adds to its counters atomically (``ADD``). Kept three years, like the trail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, n, s
from chalicelib.dynamodb.conflicts import transact
from gateway_client.contract import NATION, within

_KEEP = timedelta(days=1096)
_ONCE_KEEP = timedelta(days=15)  # past the upload queue's longest retention (14 days)


def _key(month: str, region: str) -> Item:
    return {"pk": s(f"usage#{month}#{region[:2]}")}


class DynamoUsage(Table):
    def add(
        self,
        region: str,
        month: str,
        counts: Mapping[str, int],
        now: datetime,
        once: str | None = None,
    ) -> None:
        """``once`` names what is counted (a bulk check's upload): counted with a marker in one
        transaction, so a run repeated after a crash, which the upload queue sends again,
        counts nothing more."""
        named = {f"{region}#{name}": count for name, count in counts.items()}
        adding = self._adding(_key(month, region), named, int((now + _KEEP).timestamp()))
        if once is None:
            self._client.update_item(**adding)
            return
        marker: Any = {
            "TableName": self._table,
            "Key": {"pk": s(f"usage#seen#{once}")},
            "UpdateExpression": "SET expires_at = :expires",
            "ConditionExpression": "attribute_not_exists(pk)",
            "ExpressionAttributeValues": {":expires": n(int((now + _ONCE_KEEP).timestamp()))},
        }
        try:
            transact(self._client, [{"Update": marker}, {"Update": adding}])
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") != "ConditionalCheckFailed":
                raise

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
