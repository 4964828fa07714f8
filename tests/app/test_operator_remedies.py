"""The operator's remedies on any region's listing: deciding an objection and repairing, for
the case no platform can act (a listing pushed by a region that has no right to the decision
it names, or an owner platform that is gone). Platforms other than the owner's chain still
may not."""

from __future__ import annotations

import json

from app_support import CITY, CREDIT_CODE, HUNAN, error_code
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


def _objected(gateway, path: str) -> None:  # type: ignore[no-untyped-def]
    filing = {"objection_id": "op-2", "reason": "认定部门与报送地区不符"}
    filed = gateway.client.http.post(
        path + "/objections", headers=gateway.operator(), body=json.dumps(filing).encode()
    )
    assert filed.status_code == 201, filed.json_body


def _corrected(gateway, path: str, entry: dict, headers: dict):  # type: ignore[no-untyped-def]
    decision = {"outcome": "corrected", "corrected_entry": entry, "source_updated_at": stamp()}
    return gateway.client.http.post(
        path + "/objections/op-2/decision",
        headers=headers,
        body=json.dumps(decision, ensure_ascii=False).encode(),
    )


def test_the_operator_gives_a_squatted_listing_to_the_region_that_decided_it(gateway):
    """Pushed first by a region with no right to the decision, a listing is no longer the
    deciding region's to change (ids derive from the decision, not the region): the operator's
    correction gives it to that region, which then owns it (review 46i F1)."""
    squatter = gateway.register_platform(SQUATTER)
    owner = gateway.register_platform(CITY)
    entry = recent_entry()
    listing_id = pushed(gateway, squatter, SQUATTER, entry)
    assert gateway.push(owner, CITY, [entry]).json_body["errors"][0]["code"] == "not_listing_owner"
    path = listing_path(CREDIT_CODE, listing_id)
    _objected(gateway, path)

    moved = _corrected(gateway, path, {**entry, "origin_region": CITY}, gateway.operator())

    assert moved.status_code == 200, moved.json_body
    listing = moved.json_body["listing"]
    assert (listing["origin_region"], listing["status"]) == (CITY, "active")
    assert listing["history"][-1]["reason"].endswith(f"origin {SQUATTER} → {CITY}")
    update = {**entry, "reason": "经核实，由七台河市更正", "source_updated_at": stamp()}
    by_owner = gateway.push(owner, CITY, [update])
    by_squatter = gateway.push(squatter, SQUATTER, [{**update, "source_updated_at": stamp(5)}])
    assert by_owner.json_body["accepted"] == 1, by_owner.json_body
    assert by_squatter.json_body["errors"][0]["code"] == "not_listing_owner"


def test_only_the_operator_moves_a_listing_and_only_to_a_registered_region(gateway):
    squatter = gateway.register_platform(SQUATTER)
    entry = recent_entry()
    listing_id = pushed(gateway, squatter, SQUATTER, entry)
    path = listing_path(CREDIT_CODE, listing_id)
    _objected(gateway, path)
    by_itself = _corrected(
        gateway, path, {**entry, "origin_region": HUNAN}, {"content-type": "application/json"}
    )
    decision = {
        "outcome": "corrected",
        "corrected_entry": {**entry, "origin_region": CITY},
        "source_updated_at": stamp(),
    }
    signed = gateway.send_signed(
        "POST",
        path + "/objections/op-2/decision",
        squatter,
        json.dumps(decision, ensure_ascii=False).encode(),
    )

    unregistered = _corrected(gateway, path, {**entry, "origin_region": CITY}, gateway.operator())

    assert by_itself.status_code == 401
    assert (signed.status_code, signed.json_body["error"]["path"]) == (
        400,
        "corrected_entry.origin_region",
    )
    assert (unregistered.status_code, error_code(unregistered)) == (403, "unknown_region")
    assert unregistered.json_body["error"]["path"] == "corrected_entry.origin_region"
    held = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").json_body["listings"][0]
    assert (held["listing"]["origin_region"], held["listing"]["status"]) == (SQUATTER, "active")


def test_a_listing_is_given_neither_to_a_source_outside_its_domains_nor_twice_in_silence(gateway):
    """A national source outside its domains could never push it, and would make it a national
    listing every region recognises; a later decision giving it elsewhere is no replay
    (review 46j F1, F3)."""
    squatter = gateway.register_platform(SQUATTER)
    gateway.register_platform(CITY)
    gateway.register_platform(HUNAN)
    source = {"name": "税务总局", "kind": "national_source", "domains": ["major_tax_violation"]}
    registered = gateway.client.http.put(
        "/v1/regions/100001", headers=gateway.operator(), body=json.dumps(source).encode()
    )
    assert registered.status_code == 200, registered.json_body
    entry = recent_entry()
    listing_id = pushed(gateway, squatter, SQUATTER, entry)
    path = listing_path(CREDIT_CODE, listing_id)
    _objected(gateway, path)

    to_source = _corrected(gateway, path, {**entry, "origin_region": "100001"}, gateway.operator())
    to_city = _corrected(gateway, path, {**entry, "origin_region": CITY}, gateway.operator())
    to_hunan = _corrected(gateway, path, {**entry, "origin_region": HUNAN}, gateway.operator())

    assert (to_source.status_code, error_code(to_source)) == (403, "domain_not_permitted")
    assert to_source.json_body["error"]["path"] == "corrected_entry.origin_region"
    assert to_city.status_code == 200, to_city.json_body
    assert (to_hunan.status_code, error_code(to_hunan)) == (409, "objection_decided")
    assert to_hunan.json_body["error"]["path"] == "corrected_entry"
    held = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").json_body["listings"][0]
    assert held["listing"]["origin_region"] == CITY
