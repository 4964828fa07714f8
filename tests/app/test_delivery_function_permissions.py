"""Every DynamoDB call the delivery function makes is one its IAM policy grants
(``infra.table_access``): moto enforces no IAM, so a read added to sending would pass every
other test and fail each attempt on AWS (review 46h: the recognition re-check read the
agreements, which the function's role could not)."""

from __future__ import annotations

from typing import Any

import botocore.client
import pytest
from app_support import HUNAN, Gateway, StreamReader
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from personal_support import Askers, company_entry, person_entry

import app as gateway_app
from chalicelib.settings import get_settings
from infra.table_access import MODES, TABLES

_LOGICAL = {
    "registry_table": "RegistryTable",
    "batches_table": "BatchesTable",
    "listings_table": "ListingsTable",
    "subscriptions_table": "SubscriptionsTable",
    "agreements_table": "AgreementsTable",
    "reevaluations_table": "ReevaluationsTable",
    "deliveries_table": "DeliveriesTable",
    "feedback_table": "FeedbackTable",
    "exchange_log_table": "ExchangeLogTable",
    "query_trail_table": "QueryTrailTable",
    "persons_table": "PersonsTable",
    "uploads_table": "UploadsTable",
}


def _tables(params: dict[str, Any]) -> set[str]:
    named = {params["TableName"]} if "TableName" in params else set()
    named |= set(params.get("RequestItems", {}))
    return named | {v["TableName"] for x in params.get("TransactItems", []) for v in x.values()}


def _granted(mode: str) -> set[str]:
    return {a for part in (["r", "p"] if mode == "rp" else [mode]) for a in MODES[part]}


@pytest.mark.parametrize("mode", ["single", "batched"])
def test_the_delivery_function_calls_only_what_its_role_grants(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    askers = Askers(gateway).register()  # 湖南 recognises 湖北's lists by an agreement
    subscribe(gateway, hook.url, region=HUNAN, delivery_mode=mode, retry_schedule_seconds=[0])
    hook.answer(500, "down")  # a retry too
    askers.push("owner", person_entry(), company_entry(decision_number="(2024)鄂0281执999号"))
    gateway_app.fan_out_changes(stream.event(), None)
    settings = get_settings()
    logical = {getattr(settings, field): name for field, name in _LOGICAL.items()}
    calls: set[tuple[str, str]] = set()
    real = botocore.client.BaseClient._make_api_call

    def noted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.update((logical.get(t, t), operation) for t in _tables(params))
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", noted)
    queue.run()
    queue.run()

    assert len(hook.requests) >= 2  # attempted, and retried
    assert ("AgreementsTable", "Scan") in calls  # the re-check ran
    policy = TABLES["DeliverWebhooks"]
    refused = {
        (table, op)
        for table, op in calls
        if f"dynamodb:{op}" not in _granted(policy.get(table, "r")) or table not in policy
    }
    assert refused == set()
