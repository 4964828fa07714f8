"""Grants in the packaged template that no code path of the function uses, or that
reach items the function must never write (least privilege), checked on the template the
project's own generator builds (``infra.package.merge_template``): review 142."""

from __future__ import annotations

from typing import Any

import role_support

from infra.package import FUNCTIONS, merge_template


def _statements(function: str) -> list[dict[str, Any]]:
    role = merge_template()["Resources"][FUNCTIONS[function]]
    [policy] = role["Properties"]["Policies"]
    return [s for s in policy["PolicyDocument"]["Statement"] if "Action" in s]


def _on(function: str, action: str, logical: str) -> list[dict[str, Any]]:
    return [
        s
        for s in _statements(function)
        if action in s["Action"] and {"Fn::GetAtt": [logical, "Arn"]} == s["Resource"]
    ]


def test_the_ingest_cannot_write_console_sessions_or_nonces_in_the_batches_table() -> None:
    """IngestUploads parses uploaded files; of the batches table it needs its usage and tries
    counters. Its ``rn`` grant has no dynamodb:LeadingKeys condition, so it may put any item
    there: a console session (``console#…``), a nonce, a push-ledger entry — what
    table_access.COUNTER_KEYS keeps from the delivery function for exactly that reason."""
    denied = (
        "console#0123abcd",
        "console-generation#430000",
        "nonce#430000#n-1",
        # of the statistics, a finished upload's month counters only (review 208): not the
        # rebuild's current run, the stream's once-only markers or the in-force counters
        "stats#rebuild#current",
        "stats#seen#shardId-000:49590",
        "stats#now#110000",
    )
    for key in denied:
        for action in ("dynamodb:PutItem", "dynamodb:UpdateItem"):
            assert not role_support._granted("IngestUploads", action, "table/BatchesTable", key), (
                f"IngestUploads may {action} {key}"
            )


def test_the_ingest_counts_a_finished_upload_in_its_month() -> None:
    granted = role_support._granted
    assert granted(
        "IngestUploads", "dynamodb:UpdateItem", "table/BatchesTable", "stats#2026-12#230900"
    )


def test_the_api_holds_no_visibility_grant_on_the_delivery_queue_it_never_uses() -> None:
    """Only the delivery handler changes a delivery message's visibility (events._deliver_group
    → SqsDeliveryQueue.retry_later); the API receives nothing from that queue."""
    assert _on("APIHandler", "sqs:ChangeMessageVisibility", "DeliveryQueue") == []


def test_only_the_api_reads_the_delivery_queues_attributes() -> None:
    """SqsDeliveryQueue.backlog (GetQueueAttributes) is called only by the API's activity
    route; fan-out and the re-evaluation only send."""
    for function in ("FanOutChanges", "ReevaluateAgreements"):
        assert _on(function, "sqs:GetQueueAttributes", "DeliveryQueue") == [], function
