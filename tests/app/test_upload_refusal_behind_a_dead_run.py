"""A range's start check finding the upload refused while the upload's lease is held by a run
that died (a range's closing step killed holding it) is answered busy, so its message comes
again: once the lease is over, the refusal is saved and the stored lines are counted in the
month (review 232: the refusal and the message were dropped, and the upload stayed
``ingesting`` for ever)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway
from upload_support import (
    four_lines_in_two_ranges,
    pushes,
    queue_record,
    revoke,
)

import app as gateway_app
from chalicelib import upload_events
from chalicelib.bootstrap import container
from gateway.intake import BulkPolicy, bulk_batches


class _Later:
    def __init__(self, delta: timedelta) -> None:
        self._delta = delta

    def now(self) -> datetime:
        return datetime.now(UTC) + self._delta


def _drain(aws: Any) -> list[dict[str, Any]]:
    url = aws.env["CG_UPLOAD_QUEUE_URL"]
    found: list[dict[str, Any]] = []
    while batch := aws.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages"):
        for message in batch:
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            found.append(queue_record(json.loads(message["Body"]), 2))
    return found


def _run(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch, key_revoked: bool
) -> tuple[Any, dict[str, int], dict[str, int]]:
    split = four_lines_in_two_ranges(gateway, aws, monkeypatch)
    ingest, asked, before = split.ingest, split.asked, split.before
    _drain(aws)  # the split's range messages: driven by hand below
    assert ingest.process_range(CITY, asked.upload_id, 0) is not None

    # range 1's invocation stores its lines, its closing step takes the upload's lease and the
    # Lambda is killed (out of memory, a hard timeout): the lease stays, the range's message is
    # not deleted and comes again after the visibility timeout
    def killed(region: str, upload_id: str, *_: Any, **__: Any) -> Any:
        now = datetime.now(UTC)
        assert container().uploads.lease(
            region, upload_id, "dead", now, now + timedelta(minutes=16)
        )
        raise RuntimeError("Lambda killed")

    monkeypatch.setattr(ingest, "process", killed)
    with pytest.raises(RuntimeError):
        ingest.process_range(CITY, asked.upload_id, 1)
    monkeypatch.undo()
    monkeypatch.setattr(ingest, "_policy", BulkPolicy(range_lines=2))
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", 1)

    if key_revoked:
        revoke(gateway, "qth-old")

    # range 1's message again (the lease still held: taken minutes after the message was
    # received, it outlasts the 960 s visibility timeout)
    again = queue_record({"range": {"region": CITY, "upload_id": asked.upload_id, "index": 1}}, 2)
    pending = [again]
    monkeypatch.setattr(upload_events, "_CLOSING_AGAIN_SECONDS", 0)  # moto: no waiting here
    # then whatever the system retries, with the dead run's lease long expired
    for round_ in range(6):
        if round_ == 1:
            monkeypatch.setattr(ingest, "_clock", _Later(timedelta(minutes=40)))
        retry: list[dict[str, Any]] = []
        for record in pending:
            try:
                gateway_app.ingest_uploads({"Records": [record]}, None)
            except Exception:  # SQS delivers it again
                retry.append(record)
        pending = retry + _drain(aws)
        if not pending:
            break
    final = container().uploads.get(CITY, asked.upload_id)
    return final, before, pushes(gateway)


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_control_without_refusal_the_closing_step_is_retried_and_completes(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    final, before, after = _run(gateway, aws, monkeypatch, key_revoked=False)
    assert final is not None
    assert final.status.value == "completed", final.status
    assert after["accepted"] - before["accepted"] == 4, (before, after)


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_refusal_found_while_a_dead_run_holds_the_lease_is_not_lost(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    final, before, after = _run(gateway, aws, monkeypatch, key_revoked=True)
    assert final is not None
    # the key was revoked after all four lines were stored: refused, and its lines counted
    assert final.status.value == "refused", (final.status, final.lines, final.accepted)
    assert after["accepted"] - before["accepted"] == 4, (before, after)
