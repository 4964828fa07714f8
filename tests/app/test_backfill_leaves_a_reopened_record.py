"""The shard backfill runs while a re-drive has reopened a dead delivery (``retrying``, still in
its dead partition) and the re-drive's enqueue then fails: ``reclose`` makes it dead again where
it is, so the backfill must leave a reopened record in its dead partition (review 326: moved
out, it was dead where no re-drive of all, resume, verify or enable read it again)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from delivery_support import as_operator, died_on_failures

from chalicelib.dynamodb.delivery_backfill import backfill_shards
from chalicelib.dynamodb.sealed_tokens import Sealer
from chalicelib.sqs_queue import QueueSendFailed, SqsDeliveryQueue


def test_a_reclosed_delivery_stays_where_dead_reads_find_it(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _city, _sub, path, dead = died_on_failures(gateway, stream, queue, hook)
    table = aws.env["CG_DELIVERIES_TABLE"]
    key = {"delivery_id": {"S": dead["delivery_id"]}}
    assert (
        "#dead#"
        in aws.dynamodb.get_item(TableName=table, Key=key)["Item"]["subscription_shard"]["S"]
    )

    original = SqsDeliveryQueue.enqueue

    def backfill_then_fail(self: Any, deliveries: Any, *args: Any, **kwargs: Any) -> None:
        held = list(deliveries)
        if any(getattr(d, "record_key", None) == dead["delivery_id"] for d in held):
            tokens = Sealer(lambda: b"k" * 32, b"test")
            after = None
            while True:  # the operator's backfill, run meanwhile
                _, after = backfill_shards(aws.dynamodb, table, tokens, after, 100)
                if after is None:
                    break
            raise QueueSendFailed("SQS throttled")
        original(self, held, *args, **kwargs)

    monkeypatch.setattr(SqsDeliveryQueue, "enqueue", backfill_then_fail)
    failed = as_operator(gateway, "post", f"{path}/redrive", b"{}")
    assert failed.status_code >= 500, failed.json_body  # the queue refused it: a server fault
    monkeypatch.setattr(SqsDeliveryQueue, "enqueue", original)
    item = aws.dynamodb.get_item(TableName=table, Key=key)["Item"]
    assert item["state"]["S"] == "dead", item["state"]
    shard = item["subscription_shard"]["S"]
    hook.answer(204)
    sent = len(hook.requests)
    reply = as_operator(gateway, "post", f"{path}/redrive", b"{}")
    assert reply.status_code in (200, 202), reply.json_body
    for _ in range(3):
        queue.run()
    types = [json.loads(r.body).get("type") for r in hook.requests[sent:]]
    assert types == ["listing.changed"], (
        f"re-drive of all sent {types} ({reply.json_body}): the reclosed dead record sits in "
        f"{shard}, outside the dead partitions"
    )
