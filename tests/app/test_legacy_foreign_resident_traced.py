"""Every signed lookup of one person is in the trail, found or not, also of a foreign permanent
resident's listing stored as an organisation's by the release before review 282: the lookup is
read as a person's (a purpose, a try at the mask), and traced as one (review 294: judged by the
view's stored ``subject_type`` and masked listing, it left no entry)."""

from __future__ import annotations

from typing import Any

from app_support import DAYE, GUANGDONG, Gateway
from personal_support import person_entry
from test_foreign_resident_stored_before_retention import FOREIGN_PR, stored_by_the_release_before


def test_a_signed_lookup_of_a_legacy_foreign_resident_leaves_a_trail_entry(
    gateway: Gateway, aws: Any, monkeypatch
) -> None:
    daye = gateway.register_platform(DAYE)
    guangdong = gateway.register_platform(GUANGDONG)
    entry = person_entry(credit_code=FOREIGN_PR, subject_name="John SMITH")
    stored_by_the_release_before(gateway, monkeypatch, daye, DAYE, entry)

    no_purpose = gateway.send_signed("GET", f"/v1/subjects/{FOREIGN_PR}", guangdong)
    assert no_purpose.status_code == 400  # read as a person's: a purpose is required
    looked = gateway.send_signed("GET", f"/v1/subjects/{FOREIGN_PR}?purpose=supervision", guangdong)
    assert looked.status_code == 200, looked.json_body
    assert "John SMITH" in looked.body.decode()  # the person was shown (masked number)

    trail = gateway.client.http.get(f"/v1/subjects/{FOREIGN_PR}/trail", headers=gateway.operator())
    assert trail.status_code == 200, trail.json_body
    # the look at the person is on record for the operator
    assert [e["asked_by"] for e in trail.json_body["entries"]] == [GUANGDONG]
