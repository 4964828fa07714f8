"""Subscriptions: few, read whole at fan-out time."""

from __future__ import annotations

from chalicelib.dynamodb.base import Table, s, text
from gateway.delivery import Subscription


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
