"""An upload's lines and removals show in the console's hourly activity as its month counts
them, once: counted by the runs per chunk, a crashed run's stored lines were lost, a duplicate
notice racing the run counted the upload twice, and a split resync's removals never showed
(review 288). They are counted now where the month's are, as the upload is saved finished."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, Gateway
from delivery_support import as_operator
from lifecycle_support import recent_entry
from upload_support import ask, pushes, put_file, queue_record, ranges_of_two

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.observability import HandlerFailed
from gateway.intake import bulk_batches


class Crash(Exception):
    pass


def shown(gateway: Gateway) -> dict[str, int]:
    reply = as_operator(gateway, "get", "/v1/activity?hours=2").json_body
    return {
        name: sum(hour["pushes"][name] for hour in reply["hours"])
        for name in ("accepted", "duplicate", "removed", "rejected")
    }


def entries(count: int) -> list[dict[str, Any]]:
    return [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, count + 1)]


def test_lines_a_crashed_run_stored_are_counted_once_its_retry_finishes(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY)
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", 1)
    monkeypatch.setattr(bulk_batches, "BATCHES_PER_CHECKPOINT", 1)
    asked = ask(gateway, city, entries(4))
    record = put_file(aws, asked)
    store_type = type(container().bulk_ingest._uploads)
    real_save = store_type.save
    crashed: list[bool] = []

    def save(self: Any, upload: Any) -> None:
        real_save(self, upload)
        if not crashed and upload.status.value == "ingesting" and upload.line >= 2:
            crashed.append(True)
            raise Crash("the run dies right after its checkpoint")

    monkeypatch.setattr(store_type, "save", save)
    with pytest.raises(HandlerFailed, match="Crash"):
        gateway_app.ingest_uploads({"Records": [record]}, None)
    assert shown(gateway)["accepted"] == 0  # nothing before the upload is finished
    gateway_app.ingest_uploads({"Records": [record]}, None)  # SQS delivers it again

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status.value, done.lines) == ("completed", 4)
    monthly = pushes(gateway)
    assert (monthly["accepted"], monthly["duplicate"]) == (done.accepted, done.duplicate)
    assert shown(gateway) == {
        "accepted": done.accepted,
        "duplicate": done.duplicate,
        "removed": 0,
        "rejected": 0,
    }


def test_a_duplicate_notice_racing_the_run_counts_nothing_twice(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY)
    asked = ask(gateway, city, entries(3))
    record = put_file(aws, asked)
    store_type = type(container().uploads)
    real_get = store_type.get
    raced: list[bool] = []

    def get(self: Any, region: str, upload_id: str) -> Any:
        found = real_get(self, region, upload_id)
        if not raced:
            raced.append(True)  # the first notice's invocation runs the whole upload meanwhile
            gateway_app.ingest_uploads({"Records": [record]}, None)
        return found

    monkeypatch.setattr(store_type, "get", get)
    gateway_app.ingest_uploads({"Records": [record]}, None)  # the duplicate notice
    monkeypatch.setattr(store_type, "get", real_get)

    assert pushes(gateway)["accepted"] == 3
    assert shown(gateway)["accepted"] == 3


def _run_upload_queue(aws: Any) -> None:
    url = aws.env["CG_UPLOAD_QUEUE_URL"]
    while got := aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in got:
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = queue_record(json.loads(message["Body"]))
            gateway_app.ingest_uploads({"Records": [body]}, None)


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
@pytest.mark.parametrize("split", [False, True], ids=["whole", "split"])
def test_a_resync_s_removals_show_in_the_activity(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    city = gateway.register_platform(CITY)
    held = entries(4)
    assert gateway.push(city, CITY, held).json_body["accepted"] == 4
    if split:
        ranges_of_two(monkeypatch)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, city, held[:3], **resync)
    gateway_app.ingest_uploads({"Records": [put_file(aws, asked)]}, None)
    _run_upload_queue(aws)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status.value, done.removed, done.ranges > 1) == ("completed", 1, split)
    assert shown(gateway)["removed"] == 1
