"""Subscriptions: few, read whole at fan-out time; changed by compare-and-swap on the stored
document, so that writers with a stale copy (a delivery attempt that took 15 s, a challenge
that took 5 s) cannot undo each other or bring back a deleted subscription."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.dynamodb.base import Table, s, text
from gateway.delivery import Subscription

_ROUNDS = 20  # writers of one subscription are few: a handful of rounds settles any race


class DynamoSubscriptions(Table):
    def put(self, subscription: Subscription) -> None:
        self._put_doc(
            {"subscription_id": s(subscription.subscription_id)}, subscription.model_dump_json()
        )

    def get(self, subscription_id: str) -> Subscription | None:
        item = self._get({"subscription_id": s(subscription_id)})
        return Subscription.model_validate_json(text(item, "doc")) if item else None

    def all(self) -> list[Subscription]:
        return [Subscription.model_validate_json(doc) for doc in self._scan_docs()]

    def delete(self, subscription_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"subscription_id": s(subscription_id)})

    def update(
        self, subscription_id: str, change: Callable[[Subscription], Subscription | None]
    ) -> Subscription | None:
        key = {"subscription_id": s(subscription_id)}
        for _ in range(_ROUNDS):
            item = self._get(key)
            if item is None:
                return None
            held = text(item, "doc")
            current = Subscription.model_validate_json(held)
            changed = change(current)
            if changed is None or changed == current:
                return current
            if self._put_if(
                TableName=self._table,
                Item={**key, "doc": s(changed.model_dump_json())},
                ConditionExpression="doc = :held",
                ExpressionAttributeValues={":held": s(held)},
            ):
                return changed
        raise RuntimeError(f"subscription {subscription_id} kept changing under an update")
