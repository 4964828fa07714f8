"""A bulk check's files and personal data: the result file that answered with a person's listing
is destroyed by that listing's purge (the upload then says its results were withdrawn, and
mints no link; the signed report stays), and the file of codes asked about — applicants' ID
numbers, listed or not — is kept a week under ``check-inputs/``, not the evidence window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
from upload_support import uploaded

from chalicelib import bootstrap
from gateway_client.contract import FixedClock

NAME = "黄某某"


def objects(aws: Any, prefix: str) -> list[str]:
    """Every version of every object under ``prefix``."""
    reply = aws.s3.list_object_versions(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix=prefix)
    return [v["Key"] for v in reply.get("Versions", [])]


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
    removed = push_with_removals(gateway, city, CITY, [removal_of(person, "expired")])
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


def test_a_checks_record_expires_after_its_results_and_an_uploads_is_kept(
    gateway: Gateway, aws: Any
) -> None:
    """Its manifest's SHA-256 is an unkeyed digest of the codes file: for one code, the code
    back to whoever tries them all. So the record goes (TTL) a day after its result file."""
    city = gateway.register_platform(CITY)
    checked = uploaded(
        gateway,
        aws,
        city,
        [{"credit_code": "420281199607020349"}],
        mode="check",
        purpose="supervision",
    )
    listed = uploaded(gateway, aws, city, [recent_entry()])
    table = aws.env["CG_UPLOADS_TABLE"]

    def item(upload_id: str) -> dict[str, Any]:
        key = {"upload_key": {"S": f"{CITY}#{upload_id}"}}
        return dict(aws.dynamodb.get_item(TableName=table, Key=key)["Item"])

    done = bootstrap.container().uploads.get(CITY, checked)
    assert done is not None
    assert done.status.value == "completed"
    expires = datetime.fromtimestamp(int(item(checked)["expires_at"]["N"]), UTC)
    assert expires == (done.updated_at + timedelta(days=31)).replace(microsecond=0)
    assert "expires_at" not in item(listed)
    ttl = aws.dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
