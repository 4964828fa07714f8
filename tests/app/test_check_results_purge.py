"""A bulk check's files and personal data: the result file that answered with a person's listing
is destroyed by that listing's purge (the upload then says its results were withdrawn, and
mints no link; the signed report stays), and the file of codes asked about — applicants' ID
numbers, listed or not — is kept a week under ``check-inputs/``, not the evidence window."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway, StreamReader, platform_headers
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)
from upload_support import ask, put_and_ingest, uploaded

from chalicelib import bootstrap
from gateway_client.contract import FixedClock

NAME = "黄某某"


def objects(aws: Any, prefix: str) -> list[str]:
    """Every version of every object under ``prefix``."""
    reply = aws.s3.list_object_versions(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix=prefix)
    return [v["Key"] for v in reply.get("Versions", [])]


def presigned_object(aws: Any, url: str) -> bytes:
    """What a presigned GET of the archive bucket would fetch (moto answers no HTTP here)."""
    assert url.startswith(f"https://{aws.env['CG_ARCHIVE_BUCKET']}.s3."), url
    key = urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))
    body = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key)["Body"]
    return bytes(body.read())


def upload_view(gateway: Gateway, signer: Any, upload_id: str, at: datetime) -> Any:
    path = f"/v1/regions/{CITY}/uploads/{upload_id}"
    seen = gateway.client.http.get(
        path, headers=platform_headers(signer, "GET", path, b"", None, at)
    )
    assert seen.status_code == 200, seen.json_body
    return seen.json_body


def test_the_purge_destroys_the_result_files_that_answered_with_its_listing(
    gateway: Gateway, aws: Any, stream: StreamReader
) -> None:
    city = gateway.register_platform(CITY)
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name=NAME,
        conduct_ended_on=(china_today() - timedelta(days=10)).isoformat(),
    )
    pushed(gateway, city, CITY, person)
    fan_out_and_deliver(aws, stream)
    removed = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert removed.status_code == 200
    fan_out_and_deliver(aws, stream)
    purge_at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    checked_at = purge_at - timedelta(days=10)  # the owner checks the person ten days before
    bootstrap.override_clock(FixedClock(checked_at))
    lines = [{"credit_code": PERSON_CODE}]
    upload_id = uploaded(
        gateway, aws, city, lines, at=checked_at, mode="check", purpose="supervision"
    )
    before = upload_view(gateway, city, upload_id, checked_at)
    assert "url" in before["result"]
    assert len(objects(aws, f"check-results/{CITY}/{upload_id}/")) == 2  # the file, its report

    bootstrap.override_clock(FixedClock(purge_at))
    tick = Lifecycle(gateway).post("/v1/tick", {})
    assert tick.json_body["purged"] == 1, tick.json_body

    after = upload_view(gateway, city, upload_id, purge_at)
    assert "result" not in after
    assert after["upload"]["results_withdrawn_at"] is not None
    kept = presigned_object(aws, after["report"]["url"])  # the report stays within reach
    assert kept == presigned_object(aws, before["report"]["url"])
    assert json.loads(kept)["content"]["report_id"] == upload_id
    assert "result_key" not in after["upload"]
    left = objects(aws, f"check-results/{CITY}/{upload_id}/")
    assert [k.rsplit(".", 2)[-2:] for k in left] == [["report", "json"]]
    tick_again = Lifecycle(gateway).post("/v1/tick", {})
    assert tick_again.status_code == 200


def test_a_checks_codes_are_kept_a_week_under_check_inputs_not_as_evidence(
    gateway: Gateway, aws: Any
) -> None:
    city = gateway.register_platform(CITY)
    unlisted = "420281199607020349"  # an applicant never listed

    upload_id = uploaded(
        gateway, aws, city, [{"credit_code": unlisted}], mode="check", purpose="supervision"
    )

    assert objects(aws, f"check-inputs/{CITY}/") == [f"check-inputs/{CITY}/{upload_id}.ndjson"]
    assert objects(aws, "uploads/") == []
    view = upload_view(gateway, city, upload_id, datetime.now(UTC))
    assert view["upload"]["status"] == "completed"
    rules = aws.s3.get_bucket_lifecycle_configuration(Bucket=aws.env["CG_ARCHIVE_BUCKET"])
    kept = {r["Filter"]["Prefix"]: r["Expiration"]["Days"] for r in rules["Rules"]}
    assert kept["check-inputs/"] == 7


@pytest.mark.parametrize("file", ["never-put", "mismatched", "checked"])
def test_a_checks_file_digest_is_kept_keyed_from_the_start(
    gateway: Gateway, aws: Any, file: str
) -> None:
    """The manifest's SHA-256 of a file of one code gives the code back to whoever tries them
    all: a check's upload keeps it keyed from the moment it is asked for, whatever becomes of
    the file; the same manifest asked again is the same upload, another file under its id is
    refused, and a file put is still compared with what was signed."""
    city = gateway.register_platform(CITY)
    codes = [{"credit_code": "420281199607020349"}]
    asked = ask(gateway, city, codes, mode="check", purpose="supervision")
    raw = json.loads(asked.manifest)
    if file == "mismatched":
        put_and_ingest(aws, replace(asked, content=asked.content.replace(b"0349", b"0357")))
    elif file == "checked":
        put_and_ingest(aws, asked)

    held = bootstrap.container().uploads.get(CITY, asked.upload_id)
    again = gateway.post_signed("/v1/uploads", city, asked.upload_id, asked.manifest)
    other = {
        **raw,
        "sha256": hashlib.sha256(b'{"credit_code": "11010519491231002X"}\n').hexdigest(),
    }
    reused = gateway.post_signed("/v1/uploads", city, asked.upload_id, json.dumps(other).encode())

    assert held is not None
    expected = {"never-put": "awaiting_upload", "mismatched": "refused", "checked": "completed"}
    assert held.status.value == expected[file]
    if file == "mismatched":
        assert held.refusal is not None
        assert held.refusal.code == "upload_mismatch"
    assert re.fullmatch(r"[0-9a-f]{64}", held.manifest.sha256)
    stored = json.dumps(aws.dynamodb.scan(TableName=aws.env["CG_UPLOADS_TABLE"])["Items"])
    digests = (raw["sha256"], hashlib.sha256(asked.content.replace(b"0349", b"0357")).hexdigest())
    assert not any(d in stored for d in digests)
    assert again.status_code == 200, again.json_body
    assert (reused.status_code, reused.json_body["error"]["code"]) == (409, "upload_id_reused")


def test_no_link_to_a_result_file_is_offered_past_its_thirty_days(gateway: Gateway, aws):
    """The bucket's CheckResults rule has expired both by then: a fresh link to nothing, with
    no word that the results are gone, was offered for ever (review 128)."""
    city = gateway.register_platform(CITY)
    checked_at = datetime.now(UTC)
    bootstrap.override_clock(FixedClock(checked_at))
    lines = [{"credit_code": "420281199607020349"}]
    upload_id = uploaded(
        gateway, aws, city, lines, at=checked_at, mode="check", purpose="supervision"
    )
    fresh = upload_view(gateway, city, upload_id, checked_at)
    later = checked_at + timedelta(days=30, seconds=1)
    bootstrap.override_clock(FixedClock(later))

    gone = upload_view(gateway, city, upload_id, later)

    bootstrap.override_clock(None)
    assert "url" in fresh["result"]
    assert ("result" in gone, "report" in gone) == (False, False)
    assert gone["upload"]["status"] == "completed"
