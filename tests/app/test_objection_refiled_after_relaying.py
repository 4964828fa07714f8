"""The same objection filing sent again by the region that filed it is a replay (200,
``changed: false``) whatever changed since in who may file: a relaying city's retry, its relaying
turned off meanwhile, was refused 403 ``listing_not_received`` ("never delivered this listing"),
its client left believing its objection was never filed (review 290)."""

from __future__ import annotations

import json
import uuid

from app_support import Gateway, new_signer
from lifecycle_support import Lifecycle, recent_entry

CITY, COUNTY = "430100", "430102"
CODE = "91430100687234560U"


def relays(gateway: Gateway, on: bool) -> None:
    body = json.dumps({"name": "长沙市", "relays_subregions": on}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body


def test_the_same_filing_again_is_a_replay_after_relaying_stopped(gateway: Gateway) -> None:
    relays(gateway, True)
    city = new_signer(f"k-{CITY}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(CITY, city).status_code == 201
    entry = recent_entry(
        credit_code=CODE,
        deciding_authority="长沙市芙蓉区人民法院",
        decision_number="(2026)湘0102执9号",
        origin_region=COUNTY,
    )
    pushed = gateway.push(city, CITY, [entry]).json_body
    lid = pushed["outcomes"][0]["listing_id"]
    life = Lifecycle(gateway)
    first = life.file_objection(CODE, lid, "obj-relay-1", city)
    assert first.status_code == 201, first.json_body

    relays(gateway, False)
    again = life.file_objection(CODE, lid, "obj-relay-1", city)

    assert again.status_code == 200, again.json_body
    assert again.json_body["changed"] is False
    other = life.file_objection(CODE, lid, "obj-relay-1", city, reason="另一理由")
    assert other.status_code == 403, other.json_body  # not its filing: judged as a new one
