"""A second `performed` removal naming another `performed_on`, sent after the first ended the
listing, is refused per entry at `performed_on` (review 277): it was answered `duplicate`,
telling the platform a correction was held that was dropped — the day the late / on-time
statistics judge. The same removal again is still a duplicate. Another day is refused whatever
the removal's version, in the same push as the one applied or a later one (reviews 279, 285):
one push and two answer alike.
No removal moves the day performed: an owner could otherwise make a late removal look on
time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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


def _older_and_newer(gateway: Gateway) -> tuple[Any, str, str, Any, Any]:
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    listing_id = pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    later_day = (china_today() - timedelta(days=2)).isoformat()
    older = removal_of(entry, "performed", performed_on=first_day, source_updated_at=stamp(-120))
    newer = removal_of(entry, "performed", performed_on=later_day, source_updated_at=stamp(-60))
    return city, listing_id, later_day, older, newer


def test_an_older_removal_naming_another_day_in_the_same_push_is_refused(
    gateway: Gateway,
) -> None:
    """The same ending on another day than the one applied: refused at performed_on, as it is
    when it comes after the newest in a later push (review 279)."""
    city, listing_id, later_day, older, newer = _older_and_newer(gateway)

    reply = push_with_removals(gateway, city, CITY, [older, newer]).json_body

    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert str(held.performed_on) == later_day, reply
    assert (reply["removed"], reply["duplicate"]) == (1, 0), reply
    assert [(e["index"], e["field"]) for e in reply["errors"]] == [(0, "performed_on")], reply


def test_the_same_older_removal_in_a_later_push_is_answered_as_in_one_push(
    gateway: Gateway,
) -> None:
    """Whatever its version: what moves the version of an ended listing (a push of its entry
    again) says nothing of the removal that ended it (review 285)."""
    city, _, _, older, newer = _older_and_newer(gateway)
    assert push_with_removals(gateway, city, CITY, [newer]).json_body["removed"] == 1

    again = push_with_removals(gateway, city, CITY, [older]).json_body

    assert again["duplicate"] == 0, again
    assert [(e["index"], e["field"]) for e in again["errors"]] == [(0, "performed_on")], again
