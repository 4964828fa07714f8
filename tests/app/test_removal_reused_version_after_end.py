"""A removal at the very version that ended the listing, naming another day performed, is no
resend of it: refused in a later push (at `performed_on`) as the same two are in one push
(`version_reused`) — never answered "duplicate" as if its day were held (review 284)."""

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


def test_same_version_other_day_in_a_later_push_is_not_a_duplicate(gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    listing_id = pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    other_day = (china_today() - timedelta(days=2)).isoformat()
    at = stamp(-60)
    first = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "performed", performed_on=first_day, source_updated_at=at)],
    ).json_body
    assert first["removed"] == 1, first

    again = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "performed", performed_on=other_day, source_updated_at=at)],
    ).json_body

    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert str(held.performed_on) == first_day
    # correct: the version that ended it said another day; this is no resend of it
    assert again["duplicate"] == 0, again
    assert again["errors"], again


def test_same_version_other_day_in_one_push_is_refused(gateway) -> None:
    """Control: the same pair in one push."""
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    pushed(gateway, city, CITY, entry)
    first_day = (china_today() - timedelta(days=10)).isoformat()
    other_day = (china_today() - timedelta(days=2)).isoformat()
    at = stamp(-60)
    reply = push_with_removals(
        gateway,
        city,
        CITY,
        [
            removal_of(entry, "performed", performed_on=first_day, source_updated_at=at),
            removal_of(entry, "performed", performed_on=other_day, source_updated_at=at),
        ],
    ).json_body
    assert reply["removed"] == 1, reply
    assert reply["duplicate"] == 0, reply
    assert [e["code"] for e in reply["errors"]] == ["version_reused"], reply
