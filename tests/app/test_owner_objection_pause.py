"""The owner's own objection filings wait 30 days after its last was decided, as every other
region's do (README: "a region whose own objection was decided may object again 30 days
later"): filing and deciding in a loop grew the listing's history, sent whole with every change,
until the listing could no longer be written (review 292). The operator files on the subject's
request whenever asked."""

from __future__ import annotations

from app_support import CITY, CREDIT_CODE, Gateway, refusal
from lifecycle_support import Lifecycle, listing_path, pushed, recent_entry, stamp


def test_the_owner_files_again_30_days_after_its_last_decision_only(gateway: Gateway) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    lid = pushed(gateway, city, CITY, recent_entry(days_ago=125, severity="general"))
    assert life.file_objection(CREDIT_CODE, lid, "obj-1", city).status_code == 201
    decision = {"outcome": "upheld", "note": "经核查", "source_updated_at": stamp()}
    path = listing_path(CREDIT_CODE, lid) + "/objections/obj-1/decision"
    assert life.post(path, decision, city).status_code == 200
    steps = len(life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]["history"])

    again = life.file_objection(CREDIT_CODE, lid, "obj-2", city)
    by_operator = life.file_objection(CREDIT_CODE, lid, "obj-3")

    assert refusal(again) == (409, "objection_decided_recently", "objection_id")
    assert by_operator.status_code == 201, by_operator.json_body
    history = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]["history"]
    assert len(history) == steps + 1  # the operator's filing only
