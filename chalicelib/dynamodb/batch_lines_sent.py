"""What the lines of a subscription's delivered batches were sent with: the recognition each
line carried, by its delivery id, for a range of log sequences — what a replay restates them
with (review 246: replayed singly, a batched subscription's lines were worked out again as of
their change's day, where fan-out had used its own, later one).

A line has no record of its own (``batch_records``), so the range's batches are found in
``by_batch_range`` (a file's lines lie within ``MAX_LOG_SPAN`` of its first log sequence), those
whose ``line_logs`` reach into the range are read a hundred at a time, and each line's digest
names its recognition (``SharedRecognitions``, read once per process)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.batch_records import BATCH_RANGE_INDEX, line_recognitions, line_records
from chalicelib.dynamodb.delivery_items import SharedRecognitions
from gateway.delivery import MAX_LOG_SPAN, DeliveryState
from gateway_client.contract import Recognition

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_KEYS_AT_ONCE = 100  # a BatchGetItem's keys


class BatchLinesSent(Table):
    def __init__(
        self, client: DynamoDBClient, table_name: str, recognitions: SharedRecognitions
    ) -> None:
        super().__init__(client, table_name)
        self._recognitions = recognitions

    def sent(self, subscription_id: str, first: int, last: int) -> dict[str, Recognition]:
        """Each line's recognition, by delivery id, of the subscription's delivered batches
        holding a log sequence from ``first`` to ``last``."""
        sent: dict[str, Recognition] = {}
        for item in self._delivered(subscription_id, first, last):
            for line, digest in line_recognitions(item).items():
                recognition = self._recognitions.get(digest)
                if recognition is not None:
                    sent[line] = recognition
        return sent

    def ids(self, subscription_id: str, first: int, last: int) -> set[str]:
        """The delivery ids of those batches' lines from ``first`` to ``last``, each one."""
        return {
            record.delivery_id
            for item in self._delivered(subscription_id, first, last)
            for record, logged in line_records(item)
            if first <= logged <= last
        }

    def _delivered(self, subscription_id: str, first: int, last: int) -> list[dict[str, Any]]:
        """The records of the subscription's batches with a line from ``first`` to ``last``:
        found in ``by_batch_range``, read a hundred at a time (none read when none has)."""
        found = self._query_items(
            TableName=self._table,
            IndexName=BATCH_RANGE_INDEX,
            KeyConditionExpression="batch_of = :sub AND first_log_sequence BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":sub": s(subscription_id),
                ":low": {"N": str(max(first - MAX_LOG_SPAN, 0))},
                ":high": {"N": str(last)},
            },
        )
        batches = [
            text(item, "delivery_id")
            for item in found
            if any(first <= int(q) <= last for q in item.get("line_logs", {}).get("NS", []))
        ]
        items: list[dict[str, Any]] = []
        for start in range(0, len(batches), _KEYS_AT_ONCE):
            keys = [{"delivery_id": s(i)} for i in batches[start : start + _KEYS_AT_ONCE]]
            items += self._batch_get({"Keys": keys, "ConsistentRead": True})
        # a batch being retried is in the index too (its lines owed: ``batch_records``)
        return [x for x in items if text(x, "state") == DeliveryState.DELIVERED.value]
