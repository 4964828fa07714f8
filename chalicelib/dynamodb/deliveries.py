"""The delivery log: each delivery's state and every attempt, keyed by webhook id."""

from __future__ import annotations

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, is_conditional_failure, s, text
from gateway.delivery import Attempt, DeliveryState
from gateway.fanout import Delivery


class DynamoDeliveryLog(Table):
    def state(self, delivery_id: str) -> DeliveryState | None:
        item = self._get({"delivery_id": s(delivery_id)})
        return DeliveryState(text(item, "state")) if item else None

    def record(self, delivery: Delivery, attempt: Attempt, state: DeliveryState) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"delivery_id": s(delivery.delivery_id)},
                UpdateExpression="SET #state = :state, subscription_id = :sub, change_id = :chg, "
                "credit_code = :code, updated_at = :at, "
                "attempts = list_append(if_not_exists(attempts, :none), :attempt)",
                # Once delivered, a late duplicate attempt must not turn it back.
                ConditionExpression="attribute_not_exists(#state) OR #state <> :delivered",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":state": s(state.value),
                    ":sub": s(delivery.subscription_id),
                    ":chg": s(delivery.change.change_id),
                    ":code": s(delivery.change.listing.credit_code),
                    ":at": s(attempt.at.isoformat()),
                    ":none": {"L": []},
                    ":attempt": {"L": [s(attempt.model_dump_json())]},
                    ":delivered": s(DeliveryState.DELIVERED.value),
                },
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
