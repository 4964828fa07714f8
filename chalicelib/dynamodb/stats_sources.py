"""The tables the statistics' rebuild recounts, one Scan page at a time.

Only the operator's repair (``POST /v1/stats/rebuild``) reads these: a page per call, each
resumed from the key the last one ended at, so no call holds more than one page. Reports never
scan (``DynamoStatistics.read``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import s, text
from chalicelib.dynamodb.batch_records import is_batch, line_records
from chalicelib.dynamodb.batches import result_of
from chalicelib.dynamodb.delivery_items import record_of
from chalicelib.dynamodb.statistics import INDEX
from chalicelib.dynamodb.uploads import DynamoUploads
from gateway.delivery import NOTICE, DeliveryRecord, DeliveryState
from gateway.intake import PushResult, Upload, UploadStatus
from gateway.recognition import Feedback

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]


@dataclass(frozen=True)
class Page:
    items: list[Item]
    last: Item | None  # where the next page starts; None: the table is read through


class StatsSources:
    def __init__(
        self,
        client: DynamoDBClient,
        *,
        listings: str,
        batches: str,
        deliveries: str,
        feedback: str,
        uploads: str,
    ) -> None:
        self._client = client
        self._tables = {
            "listings": listings,
            "batches": batches,
            "deliveries": deliveries,
            "feedback": feedback,
            "uploads": uploads,
        }

    def counters(self, start: Item | None, limit: int) -> Page:
        """Counter items (the sparse ``by_stats_bucket`` index holds nothing else)."""
        return self._page({"TableName": self._tables["batches"], "IndexName": INDEX}, start, limit)

    def listings(self, start: Item | None, limit: int) -> Page:
        """Listing items as stored (their upward arrivals besides the document)."""
        args = {"TableName": self._tables["listings"], "ConsistentRead": True}
        return self._page(args, start, limit)

    def batches(self, start: Item | None, limit: int) -> tuple[list[PushResult], Item | None]:
        """Finished push batches still retained."""
        page = self._page(
            {
                "TableName": self._tables["batches"],
                "FilterExpression": "#state = :done",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {":done": s("done")},
            },
            start,
            limit,
        )
        return [result_of(x) for x in page.items], page.last

    def uploads(self, start: Item | None, limit: int) -> tuple[list[Upload], Item | None]:
        """Finished uploads, whole (a split one's counts summed from its ranges), for
        ``upload_tally`` to count as ``DynamoUploads.save`` did; ranges' own items (no
        ``region``) are passed over."""
        status = '"status":"{}"'.format
        page = self._page(
            {
                "TableName": self._tables["uploads"],
                "FilterExpression": "attribute_exists(#region) AND "
                "(contains(doc, :completed) OR contains(doc, :refused))",
                "ExpressionAttributeNames": {"#region": "region"},
                "ExpressionAttributeValues": {
                    ":completed": s(status(UploadStatus.COMPLETED.value)),
                    ":refused": s(status(UploadStatus.REFUSED.value)),
                },
            },
            start,
            limit,
        )
        whole = DynamoUploads(self._client, self._tables["uploads"])
        found = [Upload.model_validate_json(text(x, "doc")) for x in page.items]
        return [whole.viewed(x) for x in found], page.last

    def delivered(
        self, since: str, start: Item | None, limit: int
    ) -> tuple[list[tuple[DeliveryRecord, int | None]], Item | None]:
        """Deliveries settled delivered at or after ``since`` (an ISO instant, UTC): each
        delivery's record, and each line of a delivered batch (whose one record holds its
        lines: review 150, they were counted nowhere) with its log sequence — those that ask
        no feedback too (``DeliveryRecord.asks_feedback`` says: they are arrivals all the same,
        not in the feedback rate: review 286)."""
        page = self._page(
            {
                "TableName": self._tables["deliveries"],
                # a batch not delivered is no delivery (dead, its lines have records of their
                # own), nor is a replay's (its original's record is delivered with it)
                "FilterExpression": "#state = :delivered AND updated_at >= :since "
                "AND (attribute_not_exists(batch_message) OR attribute_exists(batch_lines)) "
                "AND attribute_not_exists(replay_of)",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":delivered": s(DeliveryState.DELIVERED.value),
                    ":since": s(since),
                },
            },
            start,
            limit,
        )
        found: list[tuple[DeliveryRecord, int | None]] = []
        for item in page.items:
            if is_batch(item):
                found += line_records(item)
            elif not _notice(item):  # as the live count (``DynamoDeliveryLog``)
                found.append((record_of(item), None))
        return found, page.last

    def feedback(
        self, since: str, start: Item | None, limit: int
    ) -> tuple[list[Feedback], Item | None]:
        """Feedback reports submitted at or after ``since`` (an ISO instant, UTC)."""
        page = self._page(
            {
                "TableName": self._tables["feedback"],
                # reports only: a region's cases item (``feedback``) holds no report
                "FilterExpression": "submitted_at >= :since AND attribute_exists(doc)",
                "ExpressionAttributeValues": {":since": s(since)},
            },
            start,
            limit,
        )
        return [Feedback.model_validate_json(text(x, "doc")) for x in page.items], page.last

    def _page(self, args: dict[str, Any], start: Item | None, limit: int) -> Page:
        if start is not None:
            args["ExclusiveStartKey"] = start
        reply = self._client.scan(**args, Limit=limit)
        last = reply.get("LastEvaluatedKey")
        return Page(list(reply.get("Items", [])), dict(last) if last else None)


def _notice(item: Item) -> bool:
    """Whether a delivery's record is an objection notice's (its kept ``resend`` says so)."""
    return "resend" in item and json.loads(text(item, "resend")).get("type") == NOTICE
