"""The operator's remedies on any region's listing: deciding an objection and repairing, for
the case no platform can act (a listing pushed by a region that has no right to the decision
it names, or an owner platform that is gone). Platforms other than the owner's chain still
may not."""

from __future__ import annotations

import json

from app_support import CREDIT_CODE, HUNAN, error_code
from lifecycle_support import listing_path, pushed, recent_entry, stamp

SQUATTER = "410184"  # 新郑市


def test_the_operator_revokes_a_listing_through_an_objection_and_its_decision(gateway):
    squatter = gateway.register_platform(SQUATTER)
    listing_id = pushed(gateway, squatter, SQUATTER, recent_entry())
    path = listing_path(CREDIT_CODE, listing_id)
    operator = gateway.operator()
    filing = {"objection_id": "op-1", "reason": "认定部门与报送地区不符"}

    filed = gateway.client.http.post(
        path + "/objections", headers=operator, body=json.dumps(filing).encode()
    )
    decision = {"outcome": "revoked", "note": "由运营方撤销", "source_updated_at": stamp()}
    decided = gateway.client.http.post(
        path + "/objections/op-1/decision",
        headers=operator,
        body=json.dumps(decision, ensure_ascii=False).encode(),
    )

    assert (filed.status_code, decided.status_code) == (201, 200), decided.json_body
    listing = decided.json_body["listing"]
    assert (listing["status"], listing["history"][-1]["by"]) == ("revoked", "operator")
    assert listing["origin_region"] == SQUATTER


def test_the_operator_repairs_any_regions_listing_but_another_region_may_not(gateway):
    owner = gateway.register_platform(SQUATTER)
    stranger = gateway.register_platform(HUNAN)
    listing_id = pushed(gateway, owner, SQUATTER, recent_entry(days_ago=450))
    path = listing_path(CREDIT_CODE, listing_id) + "/repair"
    body = json.dumps({"reason": "已履行全部义务", "source_updated_at": stamp()}).encode()

    refused = gateway.send_signed("POST", path, stranger, body)
    repaired = gateway.client.http.post(path, headers=gateway.operator(), body=body)

    assert (refused.status_code, error_code(refused)) == (403, "not_listing_owner")
    assert repaired.status_code == 200, repaired.json_body
    assert repaired.json_body["listing"]["status"] == "repaired"
