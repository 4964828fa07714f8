"""After the operator gives a listing to another region (a reassignment, or an objection decided
``corrected`` with another ``origin_region``), its provenances are the new owner's alone, so the
new owner's resync treats it as its own: a complete list of its domain leaving it out ends it
(review 141: it stayed in force, its provenances naming the old chain)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, CREDIT_CODE, black_entry
from lifecycle_support import XINZHENG, Lifecycle, listing_path, pushed, recent_entry, stamp
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus
from gateway_client.contract.regions import within


def _reassign(gateway: Any, lid: str, entry: dict[str, Any]) -> Any:
    body = {"corrected_entry": {**entry, "origin_region": CITY}, "note": "认定部门为七台河市"}
    return gateway.client.http.post(
        listing_path(CREDIT_CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )


def test_new_owner_resync_removes_a_reassigned_listing_it_leaves_out(gateway, aws) -> None:
    squatter = gateway.register_platform(XINZHENG)
    city = gateway.register_platform(CITY)
    entry = recent_entry()
    lid = pushed(gateway, squatter, XINZHENG, entry)  # 七台河's decision, pushed by 新郑 first
    moved = _reassign(gateway, lid, entry)
    assert moved.status_code == 200, moved.json_body
    assert moved.json_body["listing"]["origin_region"] == CITY

    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    asked = ask(gateway, city, kept, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done.status == UploadStatus.COMPLETED, done
    # 七台河's complete court-defaulter list no longer holds its reassigned listing: it ends
    assert Lifecycle(gateway).status(CREDIT_CODE, lid) == "revoked"
    assert done.removed == 1


def _post(gateway: Any, path: str, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.post(path, headers=gateway.operator(), body=raw)


def test_new_owner_resync_removes_a_listing_an_objection_gave_it(gateway, aws) -> None:
    """The same for the operator's re-homing correction (an objection decided ``corrected``
    with another ``origin_region``)."""
    squatter = gateway.register_platform(XINZHENG)
    city = gateway.register_platform(CITY)
    entry = recent_entry()
    lid = pushed(gateway, squatter, XINZHENG, entry)
    path = listing_path(CREDIT_CODE, lid)
    filed = _post(gateway, path + "/objections", {"objection_id": "op-1", "reason": "认定部门不符"})
    assert filed.status_code == 201, filed.json_body
    decision = {
        "outcome": "corrected",
        "corrected_entry": {**entry, "origin_region": CITY},
        "source_updated_at": stamp(),
    }
    moved = _post(gateway, path + "/objections/op-1/decision", decision)
    assert moved.status_code == 200, moved.json_body
    assert moved.json_body["listing"]["origin_region"] == CITY

    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    asked = ask(gateway, city, kept, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done.status == UploadStatus.COMPLETED, done
    assert Lifecycle(gateway).status(CREDIT_CODE, lid) == "revoked"
    assert done.removed == 1


def test_a_reassigned_listings_provenances_lie_in_its_new_owners_chain(gateway) -> None:
    """``provenances`` records who relayed a listing within its owner's chain (README): after
    the move the squatter is no part of it, and the new owner is."""
    squatter = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)
    entry = recent_entry()
    lid = pushed(gateway, squatter, XINZHENG, entry)
    moved = _reassign(gateway, lid, entry)
    assert moved.status_code == 200, moved.json_body
    held = container().listings.current([(CREDIT_CODE, lid)])[lid]
    assert held.origin_region == CITY
    assert all(within(CITY, p) for p in held.provenances), held.provenances
    assert CITY in held.provenances, held.provenances
