"""After the operator gives a listing to another region (a reassignment, or an objection decided
``corrected`` with another ``origin_region``), its provenances are the new owner's alone, so the
new owner's resync treats it as its own: a complete list of its domain leaving it out ends it
(review 141: it stayed in force, its provenances naming the old chain)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, black_entry, new_signer
from lifecycle_support import XINZHENG, Lifecycle, listing_path, pushed, recent_entry, stamp
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from chalicelib.dynamodb import due_backfill
from chalicelib.dynamodb.listings import DynamoListings
from gateway.intake import UploadStatus
from gateway_client.contract.regions import within


def _reassign(gateway: Any, lid: str, entry: dict[str, Any]) -> Any:
    body = {"corrected_entry": {**entry, "origin_region": CITY}, "note": "认定部门为七台河市"}
    return gateway.client.http.post(
        listing_path(CREDIT_CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )


def _resync_leaving_it_out(gateway: Any, aws: Any, city: Any, lid: str, **fields: Any) -> None:
    """七台河 pushes 20 listings of its court-defaulter list and resyncs it without ``lid``:
    the resync completes, having ended that listing alone."""
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号", **fields) for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    asked = ask(gateway, city, kept, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert done.status == UploadStatus.COMPLETED, done
    assert Lifecycle(gateway).status(CREDIT_CODE, lid) == "revoked"
    assert done.removed == 1


def test_new_owner_resync_removes_a_reassigned_listing_it_leaves_out(gateway, aws) -> None:
    squatter = gateway.register_platform(XINZHENG)
    city = gateway.register_platform(CITY)
    entry = recent_entry()
    lid = pushed(gateway, squatter, XINZHENG, entry)  # 七台河's decision, pushed by 新郑 first
    moved = _reassign(gateway, lid, entry)
    assert moved.status_code == 200, moved.json_body
    assert moved.json_body["listing"]["origin_region"] == CITY

    # 七台河's complete court-defaulter list no longer holds its reassigned listing: it ends
    _resync_leaving_it_out(gateway, aws, city, lid)


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

    _resync_leaving_it_out(gateway, aws, city, lid)


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


XINXING = "230902"  # 七台河市新兴区
TAOSHAN = "230903"  # 七台河市桃山区


def _relaying_city(gateway: Any) -> Any:
    body = json.dumps({"name": "七台河市", "relays_subregions": True}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body
    signer = new_signer(f"k-{CITY}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(CITY, signer).status_code == 201
    return signer


def test_relaying_city_resync_still_ends_a_listing_moved_between_its_counties(gateway, aws):
    """The city relays its counties' lists (its resync is their complete list). It pushed a
    decision under the wrong county (新兴区); the operator gives it to 桃山区, which has no
    platform of its own and whose lists the city relays. The city's next complete list leaves
    it out: it ends, as before the move (review 143: its provenances named 桃山区 alone)."""
    city = _relaying_city(gateway)
    assert gateway.put_region(TAOSHAN).status_code == 200
    entry = recent_entry(origin_region=XINXING)
    lid = pushed(gateway, city, CITY, entry)
    body = {"corrected_entry": {**entry, "origin_region": TAOSHAN}, "note": "认定部门为桃山区"}
    moved = gateway.client.http.post(
        listing_path(CREDIT_CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
    assert moved.status_code == 200, moved.json_body
    assert moved.json_body["listing"]["origin_region"] == TAOSHAN

    _resync_leaving_it_out(gateway, aws, city, lid, origin_region=TAOSHAN)


def test_due_backfill_keeps_a_relay_tag_written_while_it_ran(gateway, aws, monkeypatch):
    """The backfill sets a moved listing's provenances only as it read them: a relaying
    ancestor's tag (``add_provenance``: no new version) landing between its scan and its write
    is kept (review 143: it was overwritten, and the city's resyncs no longer ended it)."""
    _relaying_city(gateway)
    county = gateway.register_platform(XINXING)
    lid = pushed(gateway, county, XINXING, recent_entry(origin_region=XINXING))
    table = aws.env["CG_LISTINGS_TABLE"]
    aws.dynamodb.update_item(
        TableName=table,
        Key={"credit_code": {"S": CREDIT_CODE}, "listing_id": {"S": lid}},
        UpdateExpression="REMOVE due_on, due_shard",
    )
    real_scan = due_backfill.sealed_scan

    def scan_then_tag(*args: Any, **kwargs: Any) -> Any:
        found = real_scan(*args, **kwargs)
        # the city relays the same version meanwhile: a tag, no new version
        container().listings.add_provenance([(CREDIT_CODE, lid, XINXING)], CITY)
        return found

    monkeypatch.setattr(due_backfill, "sealed_scan", scan_then_tag)
    reply = gateway.client.http.post(
        "/v1/listings/due/backfill", headers=gateway.operator(), body=b"{}"
    )
    assert reply.status_code == 200, reply.json_body
    held = container().listings.current([(CREDIT_CODE, lid)])[lid]
    assert CITY in held.provenances, held.provenances


ZHENGZHOU = "410100"  # 郑州市, relays 新郑市's lists


def _relaying_region(gateway: Any, code: str, name: str) -> Any:
    body = json.dumps({"name": name, "relays_subregions": True}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{code}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body
    signer = new_signer(f"k-{code}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(code, signer).status_code == 201
    return signer


def _reassign_to(gateway: Any, lid: str, entry: dict[str, Any], region: str) -> Any:
    body = {"corrected_entry": {**entry, "origin_region": region}, "note": "认定部门不符"}
    return gateway.client.http.post(
        listing_path(CREDIT_CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )


@pytest.mark.roles_unchecked("the operator's move runs inside the push's own handler")
def test_a_relay_tag_read_before_a_move_does_not_land_after_it(gateway, monkeypatch) -> None:
    """郑州 (relaying for 新郑) pushes 新郑's listing again, the same version: a duplicate that
    tags it with 郑州. The operator gives the listing to 七台河 between that push's read and its
    tag: the tag lands nowhere, 郑州 being no part of 七台河's chain (review 146: it landed)."""
    zhengzhou = _relaying_region(gateway, ZHENGZHOU, "郑州市")
    xinzheng = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)
    entry = recent_entry()
    lid = pushed(gateway, xinzheng, XINZHENG, entry)

    real = DynamoListings.add_provenance
    moved: list[Any] = []

    def move_then_tag(self: Any, keys: Any, region: str) -> None:
        if not moved:  # the operator's move lands between the push's read and its tag
            moved.append(_reassign_to(gateway, lid, entry, CITY))
        real(self, keys, region)

    monkeypatch.setattr(DynamoListings, "add_provenance", move_then_tag)
    again = gateway.push(zhengzhou, ZHENGZHOU, [{**entry, "origin_region": XINZHENG}])
    assert again.status_code == 200, again.json_body
    [move] = moved
    assert move.status_code == 200, move.json_body

    held = container().listings.current([(CREDIT_CODE, lid)])[lid]
    assert held.origin_region == CITY
    assert all(within(CITY, p) for p in held.provenances), held.provenances


def test_backfill_gives_a_listing_moved_between_sibling_counties_its_new_owner(
    gateway, aws
) -> None:
    """A listing moved before review 141 kept the old chain's provenances: 新兴区 (which pushed
    it) and 七台河市 (which relayed it). The backfill keeps 七台河市, drops 新兴区 and adds the
    owner 桃山区, whose own complete list leaving the listing out then ends it (review 146: the
    owner was never added)."""
    city = _relaying_region(gateway, CITY, "七台河市")
    xinxing = gateway.register_platform(XINXING)
    entry = recent_entry(origin_region=XINXING)
    lid = pushed(gateway, xinxing, XINXING, entry)
    assert gateway.push(city, CITY, [entry]).json_body["duplicate"] == 1  # the city's tag
    assert gateway.put_region(TAOSHAN).status_code == 200
    moved = _reassign_to(gateway, lid, entry, TAOSHAN)
    assert moved.status_code == 200, moved.json_body
    # as a move before review 141 left it: the old chain's provenances
    aws.dynamodb.update_item(
        TableName=aws.env["CG_LISTINGS_TABLE"],
        Key={"credit_code": {"S": CREDIT_CODE}, "listing_id": {"S": lid}},
        UpdateExpression="SET provenances = :old",
        ExpressionAttributeValues={":old": {"SS": [CITY, XINXING]}},
    )
    reply = gateway.client.http.post(
        "/v1/listings/due/backfill", headers=gateway.operator(), body=b"{}"
    )
    assert reply.status_code == 200, reply.json_body

    taoshan = new_signer(f"k-{TAOSHAN}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(TAOSHAN, taoshan).status_code == 201
    kept = [
        black_entry(decision_number=f"(2026)黑09执{i}号", origin_region=TAOSHAN) for i in range(20)
    ]
    assert gateway.push(taoshan, TAOSHAN, kept).json_body["accepted"] == 20
    asked = ask(gateway, taoshan, kept, TAOSHAN, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)
    done = container().uploads.get(TAOSHAN, asked.upload_id)
    assert done.status == UploadStatus.COMPLETED, done
    held = container().listings.current([(CREDIT_CODE, lid)])[lid]
    # 桃山区's complete list leaves it out: it should end, as a listing pushed by 桃山区 would
    assert (Lifecycle(gateway).status(CREDIT_CODE, lid), done.removed) == ("revoked", 1), (
        held.provenances
    )
