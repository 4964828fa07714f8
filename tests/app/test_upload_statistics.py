"""A bulk upload's lines in the monthly statistics: a finished upload (completed, or refused
after storing lines) is one batch of pushes in the month its manifest was signed, counted once
however often its notice comes, and a rebuild counts it there again (review 202: only the
console's activity counted uploads)."""

from __future__ import annotations

from typing import Any

from app_support import CITY, Gateway, new_signer
from lifecycle_support import Lifecycle, recent_entry, this_month
from test_stats_counters_route import run_rebuild
from upload_support import ask, put_and_ingest, put_file

import app as gateway_app
from chalicelib.bootstrap import container


def pushes(gateway: Gateway) -> dict[str, int]:
    report = Lifecycle(gateway).stats(CITY, this_month())
    assert report.status_code == 200, report.json_body
    return dict(report.json_body["pushes"])


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
