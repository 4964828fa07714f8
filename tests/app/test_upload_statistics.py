"""A bulk upload's lines in the monthly statistics: a finished upload (completed, or refused
after storing lines) is one batch of pushes in the month its manifest was signed, counted once
however often its notice comes, and a rebuild counts it there again (review 202: only the
console's activity counted uploads)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, Gateway, new_signer
from lifecycle_support import recent_entry, this_month
from test_stats_counters_route import run_rebuild
from upload_support import ask, pushes, put_and_ingest, put_file

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.intake import BulkPolicy


def test_a_completed_upload_is_one_batch_of_the_month_s_pushes_counted_once(
    gateway: Gateway, aws: Any
) -> None:
    city = gateway.register_platform(CITY)
    lines: list[Any] = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 4)]
    lines.append(recent_entry(decision_number="(2026)黑09执9号", decided_on="not a date"))
    asked = ask(gateway, city, lines)
    put_and_ingest(aws, asked)
    expected = {"batches": 1, "accepted": 3, "duplicate": 0, "removed": 0, "rejected": 1}
    assert pushes(gateway) == expected

    gateway_app.ingest_uploads({"Records": [put_file(aws, asked)]}, None)  # the notice again
    assert pushes(gateway) == expected

    run_rebuild(gateway, this_month())
    assert pushes(gateway) == expected


def test_an_upload_not_yet_ingested_counts_nothing(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)
    ask(gateway, city, [recent_entry()])  # its manifest signed, no file yet

    assert pushes(gateway) == dict.fromkeys(
        ("batches", "accepted", "duplicate", "removed", "rejected"), 0
    )


def test_lines_stored_by_an_upload_refused_mid_run_are_counted_in_pushes(
    gateway: Gateway, aws: Any
) -> None:
    """A run cut short stores its first 500 lines; the key is revoked before the run resumes,
    which refuses the upload: the listings it stored stay, and are the month's pushes, live
    and rebuilt (review 208: only completed uploads were counted)."""
    city = gateway.register_platform(CITY, "qth-old")
    lines = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 503)]
    asked = ask(gateway, city, lines)
    put = aws.s3.put_object(
        Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=asked.object_key, Body=asked.content
    )
    ingest = container().bulk_ingest
    first = ingest.process(CITY, asked.upload_id, put.get("VersionId"), lambda: True)
    assert first is not None
    assert first.status.value == "ingesting", first
    stored = first.accepted
    assert stored >= 500, first
    # the operator rotates the key meanwhile
    assert gateway.add_key(CITY, new_signer("qth-new")).status_code == 201
    revoked = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/qth-old", headers=gateway.operator()
    )
    assert revoked.status_code == 200, revoked.json_body

    done = container().bulk_ingest.process(CITY, asked.upload_id, put.get("VersionId"))
    assert done is not None
    assert done.status.value == "refused", done
    assert done.accepted == stored  # the listings it stored stay

    counted = pushes(gateway)
    assert (counted["batches"], counted["accepted"]) == (1, stored), counted
    run_rebuild(gateway, this_month())
    assert pushes(gateway) == counted


def _drain(aws: Any) -> None:
    url = aws.env["CG_UPLOAD_QUEUE_URL"]
    while batch := aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_lines_a_range_stores_while_another_refuses_the_upload_are_counted_once(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Range 0 stores lines while range 1's run finds the key revoked and refuses the upload:
    range 0 saves it again, and its lines are counted (review 211: never, live)."""
    city = gateway.register_platform(CITY, "qth-old")
    ingest = container().bulk_ingest
    monkeypatch.setattr(ingest, "_policy", BulkPolicy(range_lines=2))
    lines = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 7)]
    asked = ask(gateway, city, lines)
    put_and_ingest(aws, asked)  # pass 1: split, ranges queued
    _drain(aws)
    split = container().uploads.get(CITY, asked.upload_id)
    assert split is not None
    assert split.ranges == 3, split

    def meanwhile() -> bool:
        # range 0's first batch is stored; the operator revokes the key, and range 1's run
        # (another invocation) finds the upload refused
        if meanwhile.done:  # type: ignore[attr-defined]
            return False
        meanwhile.done = True  # type: ignore[attr-defined]
        assert gateway.add_key(CITY, new_signer("qth-new")).status_code == 201
        gone = gateway.client.http.delete(
            f"/v1/regions/{CITY}/keys/qth-old", headers=gateway.operator()
        )
        assert gone.status_code == 200, gone.json_body
        ingest.process_range(CITY, asked.upload_id, 1)
        return False

    meanwhile.done = False  # type: ignore[attr-defined]
    ingest.process_range(CITY, asked.upload_id, 0, meanwhile)

    upload = container().uploads.get(CITY, asked.upload_id)
    assert upload is not None
    assert (upload.status.value, upload.accepted) == ("refused", 2), upload
    counted = pushes(gateway)
    # the two listings range 0 stored are the month's pushes, as the upload says, once
    assert (counted["batches"], counted["accepted"]) == (1, 2), counted
    ingest.process_range(CITY, asked.upload_id, 0)  # a copy of range 0's message
    assert pushes(gateway) == counted
    run_rebuild(gateway, this_month())
    assert pushes(gateway) == counted
