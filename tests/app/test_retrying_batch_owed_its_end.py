"""A batch still to be delivered holds its lines' listings as a single delivery still to be sent
does (``OwedReceipts``): a change that ends one of them follows it whatever the subscription's
filters say by then. Its lines were found only once the batch was delivered (they are in its
file), so a batch retrying while the filters narrowed and a listing in it was revoked was
delivered after, the listing in force, and its revocation planned for nobody (review 393 F1)."""

from __future__ import annotations

import json

from app_support import CITY
from batch_world import THREE, World, world  # noqa: F401 (the fixture)
from lifecycle_support import push_with_removals, removal_of
from test_verify_log_terms import patched

import app as gateway_app


def test_a_retrying_batchs_listing_is_followed_by_its_revocation(world: World) -> None:  # noqa: F811
    world.hook.answer(503, "down for maintenance")
    mine, event = world.pushed(retry_schedule_seconds=[0, 0, 0])
    world.fan_out(event)
    world.queue.run()  # failed: retrying
    patched(world.gateway, mine["subscription_id"], {"filters": {"kinds": ["red"]}})
    revoked = push_with_removals(world.gateway, world.city, CITY, [removal_of(THREE[0], "revoked")])
    assert revoked.json_body["removed"] == 1, revoked.json_body
    gateway_app.fan_out_changes(world.stream.event(), None)
    world.hook.answer(204)
    for _ in range(3):
        world.queue.run()

    bodies = [json.loads(r.body) for r in world.hook.requests]
    batches = [b for b in bodies if b.get("type") == "deliveries.batch"]
    assert [b["count"] for b in batches][-1:] == [3]  # the retry got through, all in force
    singles = [b["data"]["type"] for b in bodies if b.get("type") == "listing.changed"]
    assert singles == ["revoked"], singles
