"""Decision claims (``gateway.intake.decision_claims``) in the batches table: one item per claim,
``claim#<key>`` with the region it belongs to. Written once, conditionally, and never changed;
kept without expiry (a keyed digest and a region code: no personal data), so a person's
number stays unguessable after retention purged the listing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.dynamodb.base import Item, Table, s, text
from gateway_client.contract import Clock

_BATCH_GET = 100


def _key(claim: str) -> Item:
    return {"pk": s(f"claim#{claim}")}


class DynamoDecisionClaims(Table):
    def __init__(self, client: Any, table_name: str, clock: Clock) -> None:
        super().__init__(client, table_name)
        self._clock = clock

    def owners(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(keys), _BATCH_GET):
            items = self._batch_get(
                {
                    "Keys": [_key(k) for k in keys[start : start + _BATCH_GET]],
                    "ProjectionExpression": "pk, claimed_by",
                    "ConsistentRead": True,
                }
            )
            for item in items:
                found[text(item, "pk").removeprefix("claim#")] = text(item, "claimed_by")
        return found

    def claim(self, claims: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Each claim put unless one is held; the owner of one held read back."""
        now: datetime = self._clock.now()
        owners: dict[str, str] = {}
        for key, region in claims:
            if key in owners:
                continue
            made = self._put_if(
                TableName=self._table,
                Item={**_key(key), "claimed_by": s(region), "claimed_at": s(now.isoformat())},
                ConditionExpression="attribute_not_exists(pk)",
            )
            if made:
                owners[key] = region
                continue
            held = self._get(_key(key))
            owners[key] = text(held, "claimed_by") if held else region
        return owners
