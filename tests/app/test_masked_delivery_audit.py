"""A repair's words are left out of what a region shown the listing masked is sent, and the
delivery verifies against the log; a masked copy with words written into it (a made-up repair
reason) is caught by the audit (review 246): the change digest is over ``masked(listing)``,
which drops them, and a masked copy has no salt to recompute ``ids_commitment`` from, so it
passed."""

from __future__ import annotations

import json

from app_support import CITY, CREDIT_CODE, HUNAN, PROVINCE
from lifecycle_support import (
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    pushed,
    recent_entry,
    stamp,
)
from test_log_binds_full_ids import audited

WORDS = "已全额履行并提交完整整改材料"


def test_a_masked_delivery_verifies_and_one_with_words_added_does_not(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    gateway.put_region(PROVINCE)
    gateway.put_region(HUNAN)
    hidden = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).json_body
    city = gateway.register_platform(CITY)
    listing_id = pushed(gateway, city, CITY, recent_entry())
    fan_out_and_deliver(aws, stream)
    done = life.post(
        listing_path(CREDIT_CODE, listing_id) + "/repair",
        {"reason": WORDS, "source_updated_at": stamp()},
        city,
    )
    assert done.status_code == 200, done.json_body
    fan_out_and_deliver(aws, stream)
    bodies = [
        r.body for r in receiver.requests if json.loads(r.body).get("type") == "listing.changed"
    ]
    assert len(bodies) == 2
    assert WORDS not in json.dumps([json.loads(b) for b in bodies], ensure_ascii=False)
    assert audited(life, gateway, hidden, *bodies).problems == ()
    again = life.post(
        listing_path(CREDIT_CODE, listing_id) + "/repair",
        {"reason": WORDS, "source_updated_at": stamp(1)},
        city,
    )
    assert (again.status_code, again.json_body["changed"]) == (200, False)
    other = life.post(
        listing_path(CREDIT_CODE, listing_id) + "/repair",
        {"reason": "另一理由", "source_updated_at": stamp(2)},
        city,
    )
    assert other.status_code == 409, other.json_body
    doc = json.loads(bodies[1])
    doc["data"]["listing"]["history"][-1]["note"] = "主体已全额履行，经核实予以修复"
    report = audited(life, gateway, hidden, bodies[0], json.dumps(doc).encode())
    assert not report.ok
    assert any("masking withholds" in problem for problem in report.problems)
