"""The words a repair or a removal carries (a subject's account of its case) are withheld where the
listing is shown masked, as an objection's are, and bound by its ``ids_commitment`` (review 244)."""

from __future__ import annotations

import json

from app_support import CREDIT_CODE, HUNAN
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    pushed,
    qingcheng_entry,
    stamp,
)

REPAIR_WORDS = "本公司已于2026年10月全额缴纳罚款并完成整改，法定代表人张某联系电话一三八"


def test_a_repair_reason_is_withheld_where_the_listing_is_shown_masked(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    gateway.register_platform(HUNAN)
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201, made.json_body
    # relatively serious: six months' publicity before repair
    listing_id = pushed(gateway, owner, QINGCHENG, qingcheng_entry(days_ago=200))
    fan_out_and_deliver(aws, stream)
    receiver.requests.clear()

    repaired = life.post(
        listing_path(CREDIT_CODE, listing_id) + "/repair",
        {"reason": REPAIR_WORDS, "source_updated_at": stamp()},
        owner,
    )
    assert repaired.status_code == 200, repaired.json_body
    fan_out_and_deliver(aws, stream)

    bodies = [json.loads(r.body) for r in receiver.requests]
    [delivery] = [b for b in bodies if b.get("type") == "listing.changed"]
    listing = delivery["data"]["listing"]
    assert delivery["recognition"]["recognised"] is False  # 湖南 is shown it masked
    assert listing["objection"] is None or listing["objection"]["reason"] != REPAIR_WORDS
    # the objection's words are withheld from this region; the repair's should be too
    assert REPAIR_WORDS not in json.dumps(listing, ensure_ascii=False)


def test_a_removal_note_is_withheld_where_the_listing_is_shown_masked(
    gateway, aws, stream, receiver
):
    from lifecycle_support import push_with_removals, removal_of

    owner = gateway.register_platform(QINGCHENG)
    gateway.register_platform(HUNAN)
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201, made.json_body
    entry = qingcheng_entry(days_ago=200)
    pushed(gateway, owner, QINGCHENG, entry)
    fan_out_and_deliver(aws, stream)
    receiver.requests.clear()

    removed = push_with_removals(
        gateway, owner, QINGCHENG, [removal_of(entry, "repaired", note=REPAIR_WORDS)]
    )
    assert removed.status_code == 200, removed.json_body
    assert removed.json_body["errors"] == [], removed.json_body
    fan_out_and_deliver(aws, stream)

    bodies = [json.loads(r.body) for r in receiver.requests]
    [delivery] = [b for b in bodies if b.get("type") == "listing.changed"]
    assert delivery["recognition"]["recognised"] is False
    assert REPAIR_WORDS not in json.dumps(delivery["data"]["listing"], ensure_ascii=False)
