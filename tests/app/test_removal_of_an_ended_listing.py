"""A removal (移出) applies to a listing in force or suspended. One that has ended (revoked,
repaired, expired, corrected) stays as it ended: a newer removal of it is refused per entry
with ``listing_not_in_force`` (path ``credit_code``), nothing written and nothing fanned out —
moved again, its history would grow and the retention clock, counted from the last step,
would start over. The same removal sent again, or one for the reason it ended with, is a
duplicate."""

from __future__ import annotations

from datetime import timedelta

from app_support import CREDIT_CODE
from lifecycle_support import (
    XINZHENG,
    Lifecycle,
    china_noon,
    china_today,
    now,
    push_with_removals,
    pushed,
    removal_of,
    xinzheng_entry,
)


def revoked_listing(gateway, life: Lifecycle):  # type: ignore[no-untyped-def]
    owner = gateway.register_platform(XINZHENG)
    entry = xinzheng_entry(source_updated_at=(now() - timedelta(hours=2)).isoformat())
    lid = pushed(gateway, owner, XINZHENG, entry)
    first = removal_of(entry, "revoked", source_updated_at=(now() - timedelta(hours=1)).isoformat())
    assert push_with_removals(gateway, owner, XINZHENG, [first]).json_body["removed"] == 1
    return owner, entry, lid, first


def test_a_newer_removal_of_an_ended_listing_is_refused_and_writes_nothing(gateway, stream):
    life = Lifecycle(gateway)
    owner, entry, _, _ = revoked_listing(gateway, life)
    stream.event()  # what the first removal wrote
    before = life.lookup(CREDIT_CODE).json_body
    later = removal_of(
        entry, "repaired", source_updated_at=(now() - timedelta(minutes=1)).isoformat()
    )

    reply = push_with_removals(gateway, owner, XINZHENG, [later])

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["removed"] == 0
    [error] = reply.json_body["errors"]
    assert (error["list"], error["index"], error["code"], error["field"]) == (
        "removals",
        0,
        "listing_not_in_force",
        "credit_code",
    )
    assert life.lookup(CREDIT_CODE).json_body == before  # status, history: as they were
    assert stream.event()["Records"] == []  # nothing for fan-out


def test_the_same_removal_again_is_a_duplicate(gateway):
    life = Lifecycle(gateway)
    owner, _, lid, first = revoked_listing(gateway, life)

    reply = push_with_removals(gateway, owner, XINZHENG, [first])

    assert (reply.json_body["removed"], reply.json_body["duplicate"]) == (0, 1)
    assert life.status(CREDIT_CODE, lid) == "revoked"


def test_the_owners_expiry_after_the_tick_expired_it_is_a_duplicate(gateway):
    """The gateway's tick ended the listing at the end of its period; the owner's own removal
    for the same reason, synced later, finds it so already: a duplicate, not an error."""
    life = Lifecycle(gateway)
    owner = gateway.register_platform(XINZHENG)
    entry = xinzheng_entry(
        source_updated_at=(now() - timedelta(hours=2)).isoformat(),
        valid_until=(china_today() + timedelta(days=1)).isoformat(),
    )
    lid = pushed(gateway, owner, XINZHENG, entry)
    assert life.tick(china_noon(china_today() + timedelta(days=1))).status_code == 200
    assert life.status(CREDIT_CODE, lid) == "expired"
    expired = removal_of(
        entry, "expired", source_updated_at=(now() - timedelta(minutes=1)).isoformat()
    )

    reply = push_with_removals(gateway, owner, XINZHENG, [expired])

    assert (reply.json_body["duplicate"], reply.json_body["errors"]) == (1, [])
    assert life.status(CREDIT_CODE, lid) == "expired"
