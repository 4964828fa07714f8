"""A foreign permanent resident's listing stored as an organisation's by the release before
review 282 is a person's listing (retention purges it, masking masks it). A bulk check by a
region that sees it masked writes the person's name, masked number and decision into its result
file, so the file is noted under the listing (``answered#<listing id>``) for its purge to find:
``erasable`` judges the code asked, not the masked copy, whose code no longer classifies
(review 294: nothing was noted)."""

from __future__ import annotations

from typing import Any

from app_support import DAYE, GUANGDONG, Gateway
from personal_support import person_entry
from test_foreign_resident_stored_before_retention import FOREIGN_PR, stored_by_the_release_before
from upload_support import uploaded

from chalicelib.bootstrap import container


def test_a_masked_legacy_foreign_residents_listing_in_a_result_file_is_noted_for_the_purge(
    gateway: Gateway, aws: Any, monkeypatch
) -> None:
    daye = gateway.register_platform(DAYE)
    guangdong = gateway.register_platform(GUANGDONG)
    entry = person_entry(credit_code=FOREIGN_PR, subject_name="John SMITH")
    stored_by_the_release_before(gateway, monkeypatch, daye, DAYE, entry)
    [held] = container().listings.subject(FOREIGN_PR)

    upload_id = uploaded(
        gateway,
        aws,
        guangdong,
        [{"credit_code": FOREIGN_PR}],
        region=GUANGDONG,
        mode="check",
        purpose="supervision",
    )
    upload = container().uploads.get(GUANGDONG, upload_id)
    assert upload is not None
    assert upload.result_key is not None
    body = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=upload.result_key)
    text = body["Body"].read().decode()
    assert "John SMITH" in text  # the person's name is in the file (found, shown masked)

    items = aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Items"]
    noted = [i for i in items if i["subject"]["S"] == f"answered#{held.listing_id}"]
    # the purge of the listing finds this result file
    assert noted, "the result file holding the person is not noted for the listing's purge"
