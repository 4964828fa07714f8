"""A second `performed` removal naming another `performed_on`, sent after the first ended the
listing, is refused per entry at `performed_on` (review 277): it was answered `duplicate`,
telling the platform a correction was held that was dropped — the day the late / on-time
statistics judge. The same removal again is still a duplicate. An older removal naming another
day in the same push as the one applied is refused alike (review 279): one push and two answer
it the same.
No removal moves the day performed: an owner could otherwise make a late removal look on
time."""

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


def test_an_older_performed_removal_with_another_day_in_the_same_push_is_no_duplicate(
    gateway: Gateway,
) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    listing_id = pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    later_day = (china_today() - timedelta(days=2)).isoformat()
    older = removal_of(entry, "performed", performed_on=first_day, source_updated_at=stamp(-120))
    newer = removal_of(entry, "performed", performed_on=later_day, source_updated_at=stamp(-60))

    reply = push_with_removals(gateway, city, CITY, [older, newer]).json_body

    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert str(held.performed_on) == later_day, reply
    assert reply["removed"] == 1, reply
    # index 0 said another performed_on than the one held: not a duplicate of it
    assert reply["duplicate"] == 0, reply
    assert [(e["index"], e["field"]) for e in reply["errors"]] == [(0, "performed_on")], reply


def test_the_same_older_removal_in_a_later_push_is_answered_as_in_one_push(
    gateway: Gateway,
) -> None:
    """Reference: the split order gives a refusal at performed_on (review 277)."""
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    later_day = (china_today() - timedelta(days=2)).isoformat()
    older = removal_of(entry, "performed", performed_on=first_day, source_updated_at=stamp(-120))
    newer = removal_of(entry, "performed", performed_on=later_day, source_updated_at=stamp(-60))
    assert push_with_removals(gateway, city, CITY, [newer]).json_body["removed"] == 1
    again = push_with_removals(gateway, city, CITY, [older]).json_body
    assert again["duplicate"] == 0, again
    assert [(e["index"], e["field"]) for e in again["errors"]] == [(0, "performed_on")], again
