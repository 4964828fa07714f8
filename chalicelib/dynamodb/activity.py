"""Hourly activity counters in the batches table (``gateway.statistics.activity``).

One item per (Beijing hour, province) with one attribute per ``{region}#{counter}``, and one
nation item per hour with the same counters summed per province plus the fan-out lag: the
operator's overview reads one item an hour, not ninety. Writes are ``ADD``s, so concurrent
handlers never lose a count; items expire after 90 days (``expires_at``, the table's TTL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.dynamodb.base import Item, Table, n, s
from gateway.statistics import (
    LAG_COUNT,
    LAG_MAX,
    LAG_SUM,
    PUSH_COUNTERS,
    Counts,
    hour_key,
    province_totals,
    tally,
)

_KEEP = timedelta(days=90)
_BATCH_GET = 100  # BatchGetItem's most keys a call
_LAG = (LAG_MAX, LAG_SUM, LAG_COUNT)


def _key(hour: datetime, province: str | None) -> Item:
    """The nation's item of the hour (``province`` None), or one province's."""
    suffix = f"#{province[:2]}" if province else ""
    return {"pk": s(f"activity#{hour_key(hour)}{suffix}")}


def _expiry(now: datetime) -> int:
    return int((now + _KEEP).timestamp())


class DynamoActivity(Table):
    def add(self, per_province: Mapping[str, Counts], now: datetime) -> None:
        """Add counters (``tally``'s per province) to this hour's items and the nation's."""
        for province, counts in per_province.items():
            self._add(_key(now, province), counts, _expiry(now))
        totals = province_totals(per_province)
        if totals:
            self._add(_key(now, None), totals, _expiry(now))

    def add_pushes(self, region: str, counts: Mapping[str, int], now: datetime) -> None:
        """A push's entries accepted / duplicate / removed / rejected for ``region`` (or a
        finished upload's, as its month counts them: ``upload_counts``)."""
        self.add(tally([(region, name, counts.get(name, 0)) for name in PUSH_COUNTERS]), now)

    def add_lag(self, lag_ms: int, now: datetime) -> None:
        """One fan-out batch's lag: summed and counted for the mean, kept if the hour's most.

        The sum's update returns the hour's maximum, so the conditional one that raises it is
        sent only when this lag beats it: one request a batch, not two, in the usual case."""
        reply = self._client.update_item(
            TableName=self._table,
            Key=_key(now, None),
            UpdateExpression="ADD #sum :lag, #count :one SET expires_at = :expires",
            ExpressionAttributeNames={"#sum": LAG_SUM, "#count": LAG_COUNT},
            ExpressionAttributeValues={
                ":lag": n(lag_ms),
                ":one": n(1),
                ":expires": n(_expiry(now)),
            },
            ReturnValues="ALL_NEW",
        )
        held = reply.get("Attributes", {}).get(LAG_MAX)
        if held is not None and int(held["N"]) >= lag_ms:
            return
        self._update_if(
            TableName=self._table,
            Key=_key(now, None),
            UpdateExpression="SET lag_max = :lag",
            ConditionExpression="attribute_not_exists(lag_max) OR lag_max < :lag",
            ExpressionAttributeValues={":lag": n(lag_ms)},
        )

    def read(
        self, hours: Sequence[datetime], province: str | None
    ) -> tuple[dict[str, Counts], dict[str, Counts]]:
        """Counters and lags by hour key: the nation's items (``province`` None), or one
        province's items and only the lag attributes of the nation's."""
        nation = self._items(
            [_key(hour, None) for hour in hours], None if province is None else _LAG
        )
        lags: dict[str, Counts] = {
            key: {k: v for k, v in counts.items() if k in _LAG} for key, counts in nation.items()
        }
        if province is None:
            return nation, lags
        return self._items([_key(hour, province) for hour in hours], None), lags

    def _items(self, keys: list[Item], only: Sequence[str] | None) -> dict[str, Counts]:
        """The items that exist, by hour key, as numbers (other attributes left out)."""
        found: dict[str, Counts] = {}
        for start in range(0, len(keys), _BATCH_GET):
            request: dict[str, Any] = {"Keys": keys[start : start + _BATCH_GET]}
            if only:
                request["ProjectionExpression"] = ", ".join(["pk", *only])
            for item in self._batch_get(request):
                hour = str(item["pk"]["S"]).split("#")[1]
                found[hour] = {
                    k: int(v["N"]) for k, v in item.items() if "N" in v and k != "expires_at"
                }
        return found
