"""Credit repair of a listing that is no bad credit record (a red listing) is refused with the
code a pushed removal ``repaired`` gets, ``not_repairable``, as the README says (review 234: the
route answered a bare ``bad_request``); nothing is written."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway, black_entry
from lifecycle_support import listing_path, pushed, stamp

from chalicelib.bootstrap import container


def red_entry(**overrides: Any) -> dict[str, Any]:
    entry = black_entry(
        kind="red",
        domain="a_grade_taxpayer",
        reason="A级纳税人",
        deciding_authority="国家税务总局七台河市税务局",
        decision_number="七税A(2026)1号",
    )
    entry.pop("severity")
    entry.pop("legal_basis")
    entry.update(overrides)
    return entry


def test_repair_of_a_red_listing_is_refused_not_repairable(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    listing_id = pushed(gateway, city, CITY, red_entry())
    before = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    body = json.dumps({"reason": "修复", "source_updated_at": stamp()}, ensure_ascii=False)
    path = listing_path(CREDIT_CODE, listing_id) + "/repair"

    answer = gateway.post_signed(path, city, None, body.encode())

    assert answer.status_code == 400, answer.json_body
    assert answer.json_body["error"]["code"] == "not_repairable"
    assert answer.json_body["error"]["path"] == "listing_id"
    assert container().listings.current([(CREDIT_CODE, listing_id)])[listing_id] == before
