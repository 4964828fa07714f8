"""A city's full court-defaulter resync whose file holds a decision the national court source
(100001) lists too — the line refused ``not_listing_owner`` — still applies its removals: a
resync never removes another region's listing, so such a line hides no listing of the city's
that would look absent (review 361: the city's removals never happened while the Supreme
People's Court listed any one decision of its courts)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway, black_entry, new_signer
from upload_support import uploaded

from chalicelib.bootstrap import container

COURT = "100001"
SOURCE = {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]}


def test_a_line_of_a_listing_the_court_source_holds_does_not_hold_back_removals(
    gateway: Gateway, aws: Any
) -> None:
    raw = json.dumps(SOURCE, ensure_ascii=False).encode()
    assert (
        gateway.client.http.put(
            f"/v1/regions/{COURT}", headers=gateway.operator(), body=raw
        ).status_code
        == 200
    )
    court = new_signer("k-court-361")
    assert gateway.add_key(COURT, court).status_code == 201
    shared = black_entry(decision_number="(2026)黑09执500号")
    assert gateway.push(court, COURT, [shared]).json_body["accepted"] == 1

    city = gateway.register_platform(CITY)
    kept = black_entry(decision_number="(2026)黑09执1号")
    gone = [black_entry(decision_number=f"(2026)黑09执{100 + i}号") for i in range(3)]
    assert gateway.push(city, CITY, [kept, *gone]).json_body["accepted"] == 4
    mode = {"mode": "resync", "domains": ["court_defaulter"], "force": True}

    done = container().uploads.get(CITY, uploaded(gateway, aws, city, [kept, shared], **mode))

    assert [(e.line, e.code) for e in done.errors] == [(2, "not_listing_owner")]
    assert (done.removal, done.removed) == ("applied", 3), (done.removal, done.removal_note)
