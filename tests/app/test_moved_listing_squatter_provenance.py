"""A region that listed another's decision in its own name keeps no part in the listing
once the operator gives it to the region that decided it (a reassignment, or an objection
decided ``corrected``): its later full resync of its own list, which rightly leaves the
decision out, does not end the listing it was given away from (review 392: the move kept the
squatter's provenance, and the resync revoked the county's listing to every subscriber)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app_support import Gateway, new_signer
from lifecycle_support import Lifecycle, listing_path, recent_entry
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container

PROVINCE, COUNTY = "430000", "430102"  # 湖南省 (the squatter), 长沙市芙蓉区 (the decider)
CODE = "91430100687234560U"


def _entry(number: str, **overrides: Any) -> dict[str, Any]:
    fields = {"deciding_authority": "长沙市芙蓉区人民法院", **overrides}
    return recent_entry(credit_code=CODE, decision_number=number, **fields)


def _relays(gateway: Gateway, region: str, on: bool) -> None:
    body = json.dumps({"name": region, "relays_subregions": on}).encode()
    reply = gateway.client.http.put(f"/v1/regions/{region}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body


def test_a_squatters_resync_does_not_revoke_the_listing_given_to_the_deciding_county(
    gateway: Gateway, aws: Any
) -> None:
    """The province did not relay when the operator moved the listing: by the README its
    provenance should not have been kept at all."""
    _scenario(gateway, aws, relaying_at_the_move=False)


def test_a_relaying_squatter_that_listed_it_in_its_own_name_does_not_resync_it_away(
    gateway: Gateway, aws: Any
) -> None:
    """The default policy (regions relay): the province listed the county's decision in its
    own name (``origin_region`` its own), never as a relay for the county; its complete list of
    its own listings rightly leaves the county's decision out, and ends it."""
    _scenario(gateway, aws, relaying_at_the_move=True)


def _scenario(gateway: Gateway, aws: Any, relaying_at_the_move: bool) -> None:
    _relays(gateway, PROVINCE, relaying_at_the_move)
    province = new_signer(f"k-{PROVINCE}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(PROVINCE, province).status_code == 201
    county = gateway.register_platform(COUNTY)

    squatted = _entry("(2026)湘0102执1号")  # the county's decision, pushed by the province
    own = [_entry(f"(2026)湘执{i}号", deciding_authority="湖南省高级人民法院") for i in range(20)]
    pushed = gateway.push(province, PROVINCE, [squatted, *own]).json_body
    assert pushed["accepted"] == 21, pushed
    lid = pushed["outcomes"][0]["listing_id"]
    # the county's own listing of another decision, never touched by the province
    theirs = gateway.push(county, COUNTY, [_entry("(2026)湘0102执2号")]).json_body
    assert theirs["accepted"] == 1, theirs
    other = theirs["outcomes"][0]["listing_id"]

    body = {"corrected_entry": {**squatted, "origin_region": COUNTY}, "note": "芙蓉区法院的决定"}
    moved = gateway.client.http.post(
        listing_path(CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
    assert moved.status_code == 200, moved.json_body
    assert container().lifecycle.listing(CODE, lid).provenances == (COUNTY,)

    # later the province starts relaying for its sub-regions, and resyncs its own court list
    _relays(gateway, PROVINCE, True)
    asked = ask(gateway, province, own, PROVINCE, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)
    done = container().uploads.get(PROVINCE, asked.upload_id)
    assert done is not None
    assert done.refusal is None, done

    lifecycle = Lifecycle(gateway)
    # the county's other listing is outside the province's resync, as it should be
    assert lifecycle.status(CODE, other) == "active"
    # and so must be the listing the operator gave the county: the province never relayed it
    assert (done.removed, lifecycle.status(CODE, lid)) == (0, "active")


def test_the_backfill_drops_the_squatters_provenance_a_move_before_kept(
    gateway: Gateway, aws: Any
) -> None:
    """A listing moved before this release kept the squatter's provenance beside its new
    owner's: the operator's due-dates backfill (run after upgrading) drops it."""
    _relays(gateway, PROVINCE, True)
    province = new_signer(f"k-{PROVINCE}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(PROVINCE, province).status_code == 201
    gateway.register_platform(COUNTY)
    squatted = _entry("(2026)湘0102执1号")
    lid = gateway.push(province, PROVINCE, [squatted]).json_body["outcomes"][0]["listing_id"]
    body = {"corrected_entry": {**squatted, "origin_region": COUNTY}, "note": "芙蓉区法院的决定"}
    moved = gateway.client.http.post(
        listing_path(CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
    assert moved.status_code == 200, moved.json_body
    aws.dynamodb.update_item(  # as a move before review 392 left it
        TableName=aws.env["CG_LISTINGS_TABLE"],
        Key={"credit_code": {"S": CODE}, "listing_id": {"S": lid}},
        UpdateExpression="SET provenances = :old",
        ExpressionAttributeValues={":old": {"SS": [PROVINCE, COUNTY]}},
    )

    reply = gateway.client.http.post(
        "/v1/listings/due/backfill", headers=gateway.operator(), body=b"{}"
    )

    assert reply.status_code == 200, reply.json_body
    assert container().lifecycle.listing(CODE, lid).provenances == (COUNTY,)
