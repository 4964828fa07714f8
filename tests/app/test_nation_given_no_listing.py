"""The national platform (信用中国, 100000) lists only in its own name and changes nothing it did
not list: the operator gives it no region's listing (review 302). Given one, it owned another
authority's decision — the deciding region was locked out (``not_listing_owner``) — and its own
routine full resync, which never held that decision, ended it as absent."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway, new_signer
from lifecycle_support import XINZHENG, Lifecycle, listing_path, pushed, recent_entry
from upload_support import uploaded


def _squatted_and_given_to_the_nation(gateway: Gateway) -> tuple[str, Any]:
    """七台河市中级人民法院's decision pushed by 新郑市, then given by the operator to 100000."""
    squatter = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)
    body = json.dumps({"name": "信用中国", "kind": "national_platform"}).encode()
    put = gateway.client.http.put("/v1/regions/100000", headers=gateway.operator(), body=body)
    assert put.status_code == 200, put.json_body
    entry = recent_entry()
    listing_id = pushed(gateway, squatter, XINZHENG, entry)
    given = {"corrected_entry": {**entry, "origin_region": "100000"}, "note": "交信用中国"}
    moved = gateway.client.http.post(
        listing_path(CREDIT_CODE, listing_id) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(given, ensure_ascii=False).encode(),
    )
    return listing_id, moved


def test_a_listing_is_not_given_to_the_national_platform(gateway: Gateway) -> None:
    listing_id, moved = _squatted_and_given_to_the_nation(gateway)

    error = moved.json_body["error"]
    assert (moved.status_code, error["code"], error["path"]) == (
        403,
        "region_not_permitted",
        "corrected_entry.origin_region",
    )
    lookup = Lifecycle(gateway).lookup(CREDIT_CODE).json_body["listings"]
    [held] = [v["listing"] for v in lookup if v["listing"]["listing_id"] == listing_id]
    assert held["origin_region"] == XINZHENG  # nothing written


def test_the_nations_resync_does_not_end_another_authoritys_decision(
    gateway: Gateway, aws: Any
) -> None:
    nation = new_signer("k-nation-302")
    listing_id, _ = _squatted_and_given_to_the_nation(gateway)
    assert gateway.add_key("100000", nation).status_code == 201
    own = recent_entry(
        credit_code="91430100687234560U",
        deciding_authority="国家发展和改革委员会",
        decision_number="发改信用〔2026〕302号",
    )
    uploaded(
        gateway,
        aws,
        nation,
        [own],
        region="100000",
        mode="resync",
        domains=["court_defaulter"],
        force=True,
    )

    status = Lifecycle(gateway).status(CREDIT_CODE, listing_id)
    assert status == "active", f"七台河's court decision ended by 信用中国's resync: {status}"
