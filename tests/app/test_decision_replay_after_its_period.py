"""A ``corrected`` decision sent again is a replay (200, ``changed: false``), also after the
corrected period has ended (review 306): ``check_action`` judged the entry against today before
the replay was recognised, so the owner's platform, retrying from its queue, was told its
applied decision was refused (400 ``period_ended``)."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from app_support import CREDIT_CODE
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    china_noon,
    china_today,
    listing_path,
    pushed,
    qingcheng_entry,
    stamp,
)


def test_a_corrected_decision_sent_again_after_its_period_is_a_replay(gateway) -> None:  # type: ignore[no-untyped-def]
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    entry = qingcheng_entry(days_ago=200)
    listing_id = pushed(gateway, owner, QINGCHENG, entry)
    filed = life.file_objection(CREDIT_CODE, listing_id, "o-1", owner)
    assert filed.status_code == 201, filed.json_body
    soon = (china_today() + timedelta(days=3)).isoformat()
    corrected = dict(entry, valid_until=soon, reason="更正后的列入事由", source_updated_at=stamp())
    body = {
        "outcome": "corrected",
        "note": "经核查更正",
        "source_updated_at": stamp(),
        "corrected_entry": corrected,
    }
    path = listing_path(CREDIT_CODE, listing_id) + "/objections/o-1/decision"
    first = life.post(path, body, owner)
    assert first.status_code == 200, first.json_body
    again_now = life.post(path, body, owner)
    assert (again_now.status_code, again_now.json_body.get("changed")) == (200, False)

    with time_machine.travel(china_noon(china_today() + timedelta(days=5)), tick=False):
        again = life.post(path, body, owner)

    assert (again.status_code, again.json_body.get("changed")) == (200, False), json.dumps(
        again.json_body, ensure_ascii=False
    )
