"""Re-evaluation jobs (``gateway.delivery.reevaluation_job``), keyed by job id.

A job is written in one transaction with its agreement revision (the outbox). Until it is
finished it carries ``unfinished``, the key of a sparse index the tick reads to re-start jobs
whose trigger was lost (a Query, never a Scan); a finished job expires (TTL) a month later,
long after the day its id could be started again. A job holds agreements and a sealed page
token (``chalicelib.dynamodb.source_pages``): no personal data. One more item marks the last day
whose date jobs the tick stored, so a missed day is caught up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Item, Table, n, s, text
from chalicelib.dynamodb.conflicts import transact
from gateway.delivery import JobsNotStored, ReevaluationJob
from gateway.recognition import Agreement
from gateway_client.contract import Conflict

UNFINISHED_INDEX = "unfinished"
_DATED = "dated-through"  # the tick's mark: every job id holds an '@' (agreement@revision…)
_SAVES = "saves#"  # per subscriber region: its agreements' saves, counted (the size guard)
KEEP_FINISHED_SECONDS = 31 * 24 * 3600


def _cancelled_by_condition(error: ClientError) -> bool:
    reasons = error.response.get("CancellationReasons", [])
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException" and any(
        r.get("Code") == "ConditionalCheckFailed" for r in reasons
    )


class DynamoReevaluations(Table):
    def __init__(self, client: Any, table_name: str, agreements_table: str) -> None:
        super().__init__(client, table_name)
        self._agreements = agreements_table

    def save(self, agreement: Agreement, job: ReevaluationJob, region_saves: int) -> None:
        """One TransactWriteItems: the revision, its job and its region's guard counted, or
        none. A job of the same id, or a guard counted since it was read, means another
        request saved first: 409, and nothing is written."""
        guard: Any = {
            "TableName": self._table,
            "Key": {"job_id": s(_SAVES + job.region)},
            "UpdateExpression": "SET saves = :next, revised_on = :on",
            "ConditionExpression": "saves = :seen"
            if region_saves
            else "attribute_not_exists(saves)",
            "ExpressionAttributeValues": {
                ":next": n(region_saves + 1),
                ":on": s(job.on.isoformat()),
                **({":seen": n(region_saves)} if region_saves else {}),
            },
        }
        try:
            transact(
                self._client,
                [
                    {
                        "Put": {
                            "TableName": self._agreements,
                            "Item": {
                                "agreement_id": s(agreement.agreement_id),
                                "doc": s(agreement.model_dump_json()),
                            },
                        }
                    },
                    {"Put": self._new(job)},
                    {"Update": guard},
                ],
            )
        except ClientError as error:
            if _cancelled_by_condition(error):
                raise Conflict(
                    f"region {job.region}'s agreements were saved by another request meanwhile "
                    f"(revision {agreement.revision} of {agreement.agreement_id}, or another); "
                    "read the agreements and try again",
                    path="agreement_id",
                ) from error
            raise

    def region_saves(self, region: str) -> int:
        item = self._get({"job_id": s(_SAVES + region)})
        return int(item["saves"]["N"]) if item and "saves" in item else 0

    def revised_on(self, regions: Sequence[str]) -> dict[str, date]:
        """From the regions' guards, 100 a BatchGetItem, consistent: a revision committed
        before the tick reads them moves its region's date job on (``date_jobs``)."""
        found: dict[str, date] = {}
        for start in range(0, len(regions), 100):
            keys = [{"job_id": s(_SAVES + r)} for r in regions[start : start + 100]]
            request = {"Keys": keys, "ConsistentRead": True}
            for item in self._batch_get(request):
                if "revised_on" in item:
                    region = text(item, "job_id").removeprefix(_SAVES)
                    found[region] = date.fromisoformat(text(item, "revised_on"))
        return found

    def start(self, jobs: Sequence[ReevaluationJob]) -> list[ReevaluationJob]:
        """Each job stored unless it is already; one that cannot be (an item over DynamoDB's
        400 KB: a region's agreements stored before ``REGION_AGREEMENTS_BYTES``) keeps no other
        region's from being stored, and raises once they are."""
        stored, refused = [], []
        for job in jobs:
            try:
                if self._put_if(**self._new(job)):
                    stored.append(job)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ValidationException":
                    raise
                refused.append(job)
        if refused:
            raise JobsNotStored(stored, refused)
        return stored

    def get(self, job_id: str) -> ReevaluationJob | None:
        item = self._get({"job_id": s(job_id)})
        return ReevaluationJob.model_validate_json(text(item, "doc")) if item else None

    def committed(self, job: ReevaluationJob, at: datetime) -> None:
        self.advance(job, job.model_copy(update={"committed_at": at}))

    def advance(self, held: ReevaluationJob, moved: ReevaluationJob) -> bool:
        return self._put_if(
            TableName=self._table,
            Item=self._item(moved),
            ConditionExpression="pages = :held",
            ExpressionAttributeValues={":held": n(held.pages)},
        )

    def unfinished(self) -> list[str]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=UNFINISHED_INDEX,
            KeyConditionExpression="unfinished = :yes",
            ExpressionAttributeValues={":yes": s("1")},
        )
        return sorted(text(item, "job_id") for page in pages for item in page.get("Items", []))

    def dated_through(self) -> date | None:
        item = self._get({"job_id": s(_DATED)})
        return date.fromisoformat(text(item, "day")) if item and "day" in item else None

    def held_back(self) -> dict[str, date]:
        item = self._get({"job_id": s(_DATED)})
        held = json.loads(text(item, "held")) if item and "held" in item else {}
        return {region: date.fromisoformat(day) for region, day in held.items()}

    def hold_back(self, held: Mapping[str, date]) -> None:
        """Written by the tick alone (one at a time: the lifecycle function's concurrency)."""
        kept = json.dumps({region: day.isoformat() for region, day in sorted(held.items())})
        self._client.update_item(
            TableName=self._table,
            Key={"job_id": s(_DATED)},
            UpdateExpression="SET held = :held",
            ExpressionAttributeValues={":held": s(kept)},
        )

    def date_through(self, day: date) -> None:
        self._update_if(  # an update: the regions held back stay beside it
            TableName=self._table,
            Key={"job_id": s(_DATED)},
            UpdateExpression="SET #day = :day",
            ConditionExpression="attribute_not_exists(#day) OR #day < :day",
            ExpressionAttributeNames={"#day": "day"},
            ExpressionAttributeValues={":day": s(day.isoformat())},
        )

    def _new(self, job: ReevaluationJob) -> Any:
        return {
            "TableName": self._table,
            "Item": self._item(job),
            "ConditionExpression": "attribute_not_exists(job_id)",
        }

    def _item(self, job: ReevaluationJob) -> Item:
        item: Item = {
            "job_id": s(job.job_id),
            "doc": s(job.model_dump_json()),
            "pages": n(job.pages),
        }
        if job.finished:
            item["expires_at"] = n(int(time.time()) + KEEP_FINISHED_SECONDS)
        else:
            item["unfinished"] = s("1")
        return item
