"""A performance correction naming the day the listing holds already is a replay (200,
``changed: false``, as the route says), also once the listing's retention is over: the
operator's retry of a correction that went through was told 400 ``period_ended``, that nothing
was done (review 362)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app_support import CITY, CREDIT_CODE
from lifecycle_support import (
    Lifecycle,
    add_months,
    china_today,
    listing_path,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)

NAMED = [{"name": "周某某", "role": "legal_representative", "id_number": "110108198506150478"}]


def test_the_day_held_already_is_a_replay_past_retention(gateway: Any) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(
        days_ago=30,
        decision_number="(2026)黑09执92号",
        conduct_ended_on=add_months(china_today(), -72).isoformat(),
        responsible_persons=NAMED,
    )
    lid = pushed(gateway, city, CITY, entry)
    ten_days_ago = (china_today() - timedelta(days=10)).isoformat()
    removed = removal_of(
        entry, "performed", source_updated_at=stamp(-60), performed_on=ten_days_ago
    )
    assert push_with_removals(gateway, city, CITY, [removed]).json_body["removed"] == 1

    path = listing_path(CREDIT_CODE, lid) + "/performance"
    again = Lifecycle(gateway).post(path, {"performed_on": ten_days_ago, "note": "重发"})

    assert again.status_code == 200, again.json_body
    assert again.json_body["changed"] is False, again.json_body
