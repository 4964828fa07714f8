"""A second `performed` removal naming another `performed_on`, sent after the first ended the
listing, is refused per entry at `performed_on` (review 277): it was answered `duplicate`,
telling the platform a correction was held that was dropped — the day the late / on-time
statistics judge. The same removal again is still a duplicate, and so is an older message than
the one that ended it, in the same push or a later one (reviews 279, 283: one push and two
answer alike).
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


def test_an_older_removal_in_the_same_push_is_a_superseded_duplicate(gateway: Gateway) -> None:
    """The older message of a batch is superseded by the newest, whatever it said (reviews
    194, 197): a duplicate, as it is when it comes after the newest in a later push."""
    city, listing_id, later_day, older, newer = _older_and_newer(gateway)

    reply = push_with_removals(gateway, city, CITY, [older, newer]).json_body

    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert str(held.performed_on) == later_day, reply
    assert (reply["removed"], reply["duplicate"], reply["errors"]) == (1, 1, []), reply


def test_the_same_older_removal_in_a_later_push_is_answered_as_in_one_push(
    gateway: Gateway,
) -> None:
    """One push and two answer the older message alike (reviews 279, 283): a later push's
    removal older than the one that ended the listing is superseded, not refused."""
    city, _, _, older, newer = _older_and_newer(gateway)
    assert push_with_removals(gateway, city, CITY, [newer]).json_body["removed"] == 1

    again = push_with_removals(gateway, city, CITY, [older]).json_body

    assert (again["duplicate"], again["errors"]) == (1, []), again
