"""A removal on an ended listing naming another day performed is refused whatever its version
(review 285): judged "older than the message that ended it" against the listing's latest
version, it was answered ``duplicate`` once a push to the ended listing (which stores its
content and keeps its status) had moved that version past the ending removal — as if its day
were held (the review 277 defect back)."""

from __future__ import annotations

from datetime import timedelta

from app_support import CITY, CREDIT_CODE
from lifecycle_support import (
    china_today,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)

from chalicelib.bootstrap import container


def _ended(gateway):
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    listing_id = pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    other_day = (china_today() - timedelta(days=2)).isoformat()
    first = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "performed", performed_on=first_day, source_updated_at=stamp(-300))],
    ).json_body
    assert first["removed"] == 1, first
    return city, entry, listing_id, first_day, other_day


def test_a_later_removal_naming_another_day_after_a_push_to_the_ended_listing(gateway) -> None:
    city, entry, listing_id, first_day, other_day = _ended(gateway)
    # the owner pushes the entry again (a new stamp): content stored, status kept
    again_entry = {**entry, "source_updated_at": stamp(-60)}
    repushed = gateway.push(city, CITY, [again_entry]).json_body
    assert repushed["accepted"] == 1, repushed

    # a removal stamped after the one that ended it (but before the re-push), another day
    later = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "performed", performed_on=other_day, source_updated_at=stamp(-120))],
    ).json_body

    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert str(held.performed_on) == first_day  # its day was not applied ...
    # ... so it must not be answered as held
    assert later["duplicate"] == 0, (later, held.version)
    assert later["errors"], later


def test_the_ending_version_naming_another_day_after_a_push_to_the_ended_listing(
    gateway,
) -> None:
    """The very version that ended it, naming another day: ``version_reused`` (bb6e65c7) —
    until the owner pushes the entry again to the ended listing; then the same message is
    answered ``duplicate``."""
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    listing_id = pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    other_day = (china_today() - timedelta(days=2)).isoformat()
    at = stamp(-300)
    first = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "performed", performed_on=first_day, source_updated_at=at)],
    ).json_body
    assert first["removed"] == 1, first
    repushed = gateway.push(city, CITY, [{**entry, "source_updated_at": stamp(-60)}]).json_body
    assert repushed["accepted"] == 1, repushed

    again = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "performed", performed_on=other_day, source_updated_at=at)],
    ).json_body

    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert str(held.performed_on) == first_day
    assert again["duplicate"] == 0, (again, held.version)
    assert again["errors"], again
