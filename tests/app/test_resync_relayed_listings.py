"""A region owns the listings an ancestor relayed for it (their ``origin_region`` is its code,
their provenance the ancestor's): its full resync ends those its file no longer holds, as it
ends its own pushes'. The source index was read by provenance only, so a county's resync never
found a listing its city relayed, and a city's one its province relayed: left out of a
complete list, it stayed in force, delivered as such (review 290; review 141 closed the same
gap for a reassigned listing's new owner).

And its 10% removal threshold counts only what its removal pass may end: it counted, as absent
from the file, a county's listings the city relayed once and, relaying turned off since, may no
longer change, so a city resyncing its own complete list unchanged was refused
``resync_threshold_exceeded`` and pushed to ``force``, the safety net off (review 290)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from app_support import Gateway, new_signer
from lifecycle_support import Lifecycle, recent_entry
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus

PROVINCE, CITY, COUNTY = "430000", "430100", "430102"  # 湖南省, 长沙市, 芙蓉区
CODE = "91430100687234560U"


def entry(number: str, **overrides: Any) -> dict[str, Any]:
    return recent_entry(
        credit_code=CODE,
        deciding_authority="长沙市芙蓉区人民法院",
        decision_number=number,
        **overrides,
    )


def relays(gateway: Gateway, region: str, on: bool) -> None:
    body = json.dumps({"name": region, "relays_subregions": on}).encode()
    reply = gateway.client.http.put(f"/v1/regions/{region}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body


@pytest.mark.parametrize(
    ("relayer", "owner"),
    [
        pytest.param(CITY, COUNTY, id="city-for-county"),
        pytest.param(PROVINCE, CITY, id="province-for-city"),
    ],
)
def test_the_owner_s_resync_ends_its_listing_an_ancestor_relayed(
    gateway: Gateway, aws: Any, relayer: str, owner: str
) -> None:
    relays(gateway, relayer, True)
    signer = new_signer(f"k-{relayer}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(relayer, signer).status_code == 201
    relayed = gateway.push(signer, relayer, [entry("(2026)湘0102执1号", origin_region=owner)])
    assert relayed.json_body["accepted"] == 1, relayed.json_body
    lid = relayed.json_body["outcomes"][0]["listing_id"]
    relays(gateway, relayer, False)  # from now on the owner pushes its own
    platform = gateway.register_platform(owner)
    kept = [entry(f"(2026)湘0102执{i}号") for i in range(10, 30)]
    assert gateway.push(platform, owner, kept).json_body["accepted"] == 20

    # the owner's complete court-defaulter list, the relayed decision no longer on it
    asked = ask(gateway, platform, kept, owner, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)

    done = container().uploads.get(owner, asked.upload_id)
    assert done is not None
    assert done.status == UploadStatus.COMPLETED
    assert container().lifecycle.listing(CODE, lid).origin_region == owner
    assert (done.removed, Lifecycle(gateway).status(CODE, lid)) == (1, "revoked")


def test_listings_it_may_no_longer_change_do_not_count_against_its_resync(
    gateway: Gateway, aws: Any
) -> None:
    relays(gateway, CITY, True)
    city = new_signer(f"k-{CITY}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(CITY, city).status_code == 201
    relayed = [entry(f"(2026)湘0102执{i}号", origin_region=COUNTY) for i in range(3)]
    own = [entry(f"(2026)湘01执{i}号") for i in range(10)]
    assert gateway.push(city, CITY, relayed + own).json_body["accepted"] == 13
    relays(gateway, CITY, False)  # the county's listings are out of the city's hands now

    # the city's own complete court-defaulter list, exactly as held: nothing of its own absent
    asked = ask(gateway, city, own, CITY, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status, done.refusal) == (UploadStatus.COMPLETED, None), done.refusal
