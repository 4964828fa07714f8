"""A relay's entry names the county it acts for: naming another county than the one a
company's decision is listed for is refused per entry (``origin_mismatch`` at
``origin_region``), nothing written or delivered — as a removal naming it is a miss. Before, it
rewrote the other county's listing, answered ``accepted`` (review 207)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway, StreamReader, new_signer
from lifecycle_support import recent_entry, stamp

from chalicelib.bootstrap import container
from gateway_client.contract.signing import Ed25519Signer

XINXING = "230902"  # 七台河市新兴区
TAOSHAN = "230903"  # 七台河市桃山区


def _relaying_city(gateway: Gateway) -> Ed25519Signer:
    body = json.dumps({"name": "七台河市", "relays_subregions": True}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body
    signer = new_signer(f"k-{CITY}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(CITY, signer).status_code == 201
    for county in (XINXING, TAOSHAN):
        assert gateway.put_region(county).status_code == 200
    return signer


def test_an_entry_naming_another_county_is_refused_and_changes_nothing(
    gateway: Gateway, stream: StreamReader
) -> None:
    city = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)
    first = gateway.push(city, CITY, [entry]).json_body
    listing_id = first["outcomes"][0]["listing_id"]
    stream.event()  # read past the first push
    later: dict[str, Any] = {"reason": "另一认定理由", "source_updated_at": stamp()}

    wrong = gateway.push(city, CITY, [{**entry, **later, "origin_region": TAOSHAN}]).json_body

    assert wrong["accepted"] == 0
    [error] = wrong["errors"]
    assert (error["code"], error["field"]) == ("origin_mismatch", "origin_region")
    assert XINXING in error["message"]
    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert (held.origin_region, held.reason) == (XINXING, entry["reason"])
    assert stream.event()["Records"] == []  # nothing to fan out


def test_the_county_named_rightly_or_none_is_the_relay_s_update(gateway: Gateway) -> None:
    city = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)
    listing_id = gateway.push(city, CITY, [entry]).json_body["outcomes"][0]["listing_id"]
    named = {**entry, "reason": "更正后的理由", "source_updated_at": stamp(seconds=-1)}
    unnamed = {**named, "reason": "再次更正", "source_updated_at": stamp()}
    del unnamed["origin_region"]

    answers = [gateway.push(city, CITY, [x]).json_body["accepted"] for x in (named, unnamed)]

    assert answers == [1, 1]
    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert (held.origin_region, held.reason) == (XINXING, "再次更正")
