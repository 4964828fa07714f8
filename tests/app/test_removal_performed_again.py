"""A second `performed` removal naming another `performed_on`, sent after the first ended the
listing, is refused per entry at `performed_on` (review 277): it was answered `duplicate`,
telling the platform a correction was held that was dropped — the day the late / on-time
statistics judge. The same removal again is still a duplicate."""

from __future__ import annotations

from datetime import timedelta

from app_support import CITY, CREDIT_CODE, Gateway
from lifecycle_support import (
    china_today,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)

from chalicelib.bootstrap import container


def test_a_performed_removal_with_another_day_after_the_end_is_not_a_duplicate(
    gateway: Gateway,
) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    listing_id = pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    later_day = (china_today() - timedelta(days=2)).isoformat()
    first = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "performed", performed_on=first_day, source_updated_at=stamp(-60))],
    ).json_body
    assert first["removed"] == 1, first

    again = push_with_removals(
        gateway, city, CITY, [removal_of(entry, "performed", performed_on=later_day)]
    ).json_body

    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert str(held.performed_on) == first_day  # the correction was not applied ...
    # ... so it must not be answered as if it were already held
    assert again["duplicate"] == 0, again
    assert [(e["code"], e["field"]) for e in again["errors"]] == [
        ("listing_not_in_force", "performed_on")
    ], again
    same = push_with_removals(
        gateway, city, CITY, [removal_of(entry, "performed", performed_on=first_day)]
    ).json_body
    assert (same["duplicate"], same["errors"]) == (1, []), same
