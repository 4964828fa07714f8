"""A resync's 10% removal threshold counts only the listings its removal pass may end: it
counted, as absent from the file, a county's listings the city relayed once and, relaying
turned off since, may no longer change, so a city resyncing its own complete list unchanged was
refused ``resync_threshold_exceeded`` and pushed to ``force``, the safety net off (review 290)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app_support import Gateway, new_signer
from lifecycle_support import recent_entry
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus

CITY, COUNTY = "430100", "430102"  # 长沙市 and its 芙蓉区
CODE = "91430100687234560U"


def entry(number: str, **overrides: Any) -> dict[str, Any]:
    return recent_entry(
        credit_code=CODE,
        deciding_authority="长沙市中级人民法院",
        decision_number=number,
        **overrides,
    )


def relays(gateway: Gateway, on: bool) -> None:
    body = json.dumps({"name": "长沙市", "relays_subregions": on}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body


def test_listings_it_may_no_longer_change_do_not_count_against_its_resync(
    gateway: Gateway, aws: Any
) -> None:
    relays(gateway, True)
    city = new_signer(f"k-{CITY}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(CITY, city).status_code == 201
    relayed = [entry(f"(2026)湘0102执{i}号", origin_region=COUNTY) for i in range(3)]
    own = [entry(f"(2026)湘01执{i}号") for i in range(10)]
    assert gateway.push(city, CITY, relayed + own).json_body["accepted"] == 13
    relays(gateway, False)  # the county's listings are out of the city's hands now

    # the city's own complete court-defaulter list, exactly as held: nothing of its own absent
    asked = ask(gateway, city, own, CITY, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status, done.refusal) == (UploadStatus.COMPLETED, None), done.refusal
