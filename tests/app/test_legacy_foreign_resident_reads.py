"""A foreign permanent resident's listing stored as an organisation's by the release before
review 282 is a person's listing (retention purges it, masking masks it), and a region reading
it is reading a person's (review 294):

- a signed lookup is read as a person's (a purpose, a try at the mask) and traced as one: judged
  by the view's stored ``subject_type`` and masked listing, it left no trail entry;
- a bulk check showing it masked writes the person's name, masked number and decision into its
  result file, so the file is noted under the listing (``answered#<listing id>``) for its purge
  to find: ``erasable`` judged the masked copy, whose code no longer classifies, and noted
  nothing."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import DAYE, GUANGDONG, Gateway
from personal_support import person_entry
from test_foreign_resident_stored_before_retention import FOREIGN_PR, stored_by_the_release_before
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway_client.contract.signing import Ed25519Signer


@pytest.fixture
def guangdong(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Ed25519Signer:
    """Guangdong's platform, and John SMITH listed by Daye as the release before stored him."""
    daye = gateway.register_platform(DAYE)
    entry = person_entry(credit_code=FOREIGN_PR, subject_name="John SMITH")
    stored_by_the_release_before(gateway, monkeypatch, daye, DAYE, entry)
    return gateway.register_platform(GUANGDONG)


def test_a_signed_lookup_leaves_a_trail_entry(gateway: Gateway, guangdong: Ed25519Signer) -> None:
    no_purpose = gateway.send_signed("GET", f"/v1/subjects/{FOREIGN_PR}", guangdong)
    assert no_purpose.status_code == 400  # read as a person's: a purpose is required
    looked = gateway.send_signed("GET", f"/v1/subjects/{FOREIGN_PR}?purpose=supervision", guangdong)
    assert looked.status_code == 200, looked.json_body
    assert "John SMITH" in looked.body.decode()  # the person was shown (masked number)

    trail = gateway.client.http.get(f"/v1/subjects/{FOREIGN_PR}/trail", headers=gateway.operator())
    assert trail.status_code == 200, trail.json_body
    assert [e["asked_by"] for e in trail.json_body["entries"]] == [GUANGDONG]


def test_a_bulk_checks_result_file_is_noted_for_the_purge(
    gateway: Gateway, aws: Any, guangdong: Ed25519Signer
) -> None:
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
    assert "John SMITH" in body["Body"].read().decode()  # found, shown masked

    items = aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Items"]
    noted = [i for i in items if i["subject"]["S"] == f"answered#{held.listing_id}"]
    assert noted, "the result file holding the person is not noted for the listing's purge"
