"""A record written before the 50-attempt cap, holding more than 50 attempts (the records the
410-and-enable cycles grew), is cut back to its first 49 and the latest at its next attempt: the
new one was written at position 49, in the middle, and its last attempt, which the view,
progress() and the re-drive selection read as the latest, stayed the stale one (review 293)."""

from __future__ import annotations

import json
from typing import Any

from attempts_support import tried

from chalicelib.dynamodb.attempts_kept import KEPT


def test_a_legacy_record_longer_than_kept_shows_its_latest_attempt_last(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any
) -> None:
    record = tried(aws, gateway, stream, queue, hook)
    record.grown(60)
    hook.answer(204)

    record.enable()

    assert record.item()["state"]["S"] == "delivered"
    kept = record.attempts()
    assert len(kept) == KEPT
    assert kept[-1].get("status") == 204


def test_a_legacy_record_parked_again_is_sent_on_resume(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any
) -> None:
    """A legacy dead letter the operator re-drives while the subscription is paused is parked,
    and resume (which picks by the last attempt) sends it."""
    record = tried(aws, gateway, stream, queue, hook, paused=True)
    assert record.item()["state"]["S"] == "dead"
    record.grown(60, status=500, response_excerpt="boom", not_sent=None)
    redriven = gateway.client.http.post(
        f"/v1/subscriptions/{record.sub}/redrive",
        headers={**gateway.operator(), "content-type": "application/json"},
        body=json.dumps({"delivery_ids": [record.item()["delivery_id"]["S"]]}).encode(),
    )
    assert redriven.status_code in (200, 202), redriven.json_body
    queue.run()  # parked again: still paused
    assert hook.requests == []

    resumed = record.act("/resume")
    queue.run()

    assert resumed.status_code == 200, resumed.json_body
    assert len(hook.requests) == 1
