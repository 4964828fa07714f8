"""A record of a delivery settled without a post for good (a restatement parked while the
subscription was paused, of a version no longer stored by the resume: dead, ``superseded``) does
not make its listing owed: a subscription never sent the listing is not sent its end, whatever
its filters (review 393, of review 390's ``OwedReceipts``)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway, StreamReader, black_entry
from delivery_support import AnsweringReceiver, DeliveryQueue, push_and_fan_out, subscribe
from lifecycle_support import push_with_removals, removal_of, stamp

import app as gateway_app


def test_a_restatement_never_sent_does_not_make_its_listing_owed(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver, aws: Any
) -> None:
    from app_support import hunan_recognises_city, reevaluate
    from test_verify_log_terms import patched

    city = gateway.register_platform(CITY)
    entry = black_entry()
    push_and_fan_out(gateway, stream, city, CITY, [entry])  # listed before anyone subscribes
    from app_support import HUNAN

    gateway.put_region(HUNAN)
    from delivery_support import as_operator, subscription_path

    created = subscribe(gateway, hook.url)  # 湖南
    assert as_operator(gateway, "post", subscription_path(created, "/pause")).status_code == 200
    hunan_recognises_city(gateway)
    reevaluate(aws)
    queue.run()  # the restatement (now recognised) is parked: the subscription is paused
    parked = as_operator(gateway, "get", subscription_path(created, "/deliveries")).json_body
    assert len(parked["deliveries"]) == 1, parked  # the restatement, parked

    patched(gateway, created["subscription_id"], {"filters": {"domains": ["food_drug"]}})
    updated = {**entry, "reason": entry["reason"] + "（补充）", "source_updated_at": stamp()}
    push_and_fan_out(gateway, stream, city, CITY, [updated])  # a new version: not for it now
    assert as_operator(gateway, "post", subscription_path(created, "/resume")).status_code == 200
    for _ in range(3):
        queue.run()  # the restatement is of a version no longer stored: not sent, left dead
    assert hook.requests == [], "the restatement was sent after all"
    settled = as_operator(gateway, "get", subscription_path(created, "/deliveries")).json_body
    [dead] = settled["deliveries"]
    assert dead["state"] == "dead", dead  # left dead: it no longer stands, never sent
    redriven = as_operator(gateway, "post", subscription_path(created, "/redrive"))
    assert redriven.status_code == 202, redriven.json_body  # {"redriven": 0}
    for _ in range(3):
        queue.run()
    assert hook.requests == [], ("a re-drive sent it", redriven.json_body)
    before = len(hook.requests)

    removed = push_with_removals(gateway, city, CITY, [removal_of(updated, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(3):
        queue.run()

    after = [json.loads(r.body) for r in hook.requests[before:]]
    assert after == [], [(b.get("type"), b.get("data", {}).get("type")) for b in after]
