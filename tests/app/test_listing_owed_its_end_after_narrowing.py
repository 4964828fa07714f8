"""A listing a subscription holds, or will (its delivery parked while the subscription is
paused, or retrying), hears of its end whatever the subscription's filters say now. Each change
is planned by the terms in force when it was logged, and a change that ends a listing also goes
to every past recipient; those were found by delivered deliveries only, so when the owner
narrowed its filters and the listing was then revoked, the revocation was planned for nobody
there — yet resuming or a retry sent the parked change, and the subscriber kept the listing in
force, recognised, with its measures (review 390). Also when the end is the agreement's."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway, StreamReader, black_entry
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    push_and_fan_out,
    subscribe,
    subscription_path,
)
from lifecycle_support import push_with_removals, removal_of

import app as gateway_app


def test_a_listing_sent_on_resume_comes_with_its_end(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    aws: Any,
) -> None:
    city = gateway.register_platform(CITY)
    created = subscribe(gateway, hook.url, region=CITY)  # its own listings: recognised
    paused = as_operator(gateway, "post", subscription_path(created, "/pause"))
    assert paused.status_code == 200, paused.json_body
    entry = black_entry()
    push_and_fan_out(gateway, stream, city, CITY, [entry])
    queue.run()  # parked: the subscription is paused
    narrowed = json.dumps({"filters": {"kinds": ["red"]}}).encode()
    changed = gateway.client.http.patch(
        subscription_path(created), headers=gateway.operator(), body=narrowed
    )
    assert changed.status_code == 200, changed.json_body
    removed = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    resumed = as_operator(gateway, "post", subscription_path(created, "/resume"))
    assert resumed.status_code == 200, resumed.json_body
    for _ in range(3):
        queue.run()

    got = [json.loads(r.body) for r in hook.requests if b"listing.changed" in r.body]
    steps = [(b["data"]["type"], b["data"]["listing"]["status"]) for b in got]
    assert steps[0] == ("listed", "active")  # the parked change, owed under the old terms
    # ... and the subscriber must learn that the listing it now holds as in force has ended
    assert ("revoked", "revoked") in steps, steps


def test_a_listing_delivered_on_a_retry_comes_with_its_end(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    aws: Any,
) -> None:
    """The same without a pause: the endpoint is down while the filters are narrowed and the
    listing revoked; its retry delivers the listing as in force, and nothing follows."""
    city = gateway.register_platform(CITY)
    created = subscribe(gateway, hook.url, region=CITY, retry_schedule_seconds=[0, 0, 0])
    hook.answer(503, "down for maintenance")
    entry = black_entry()
    push_and_fan_out(gateway, stream, city, CITY, [entry])
    queue.run()  # failed: retrying
    narrowed = json.dumps({"filters": {"kinds": ["red"]}}).encode()
    changed = gateway.client.http.patch(
        subscription_path(created), headers=gateway.operator(), body=narrowed
    )
    assert changed.status_code == 200, changed.json_body
    removed = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    hook.answer(204)
    for _ in range(3):
        queue.run()

    got = [json.loads(r.body) for r in hook.requests if b"listing.changed" in r.body]
    steps = [(b["data"]["type"], b["data"]["listing"]["status"]) for b in got]
    assert ("listed", "active") in steps  # the retry got through
    assert ("revoked", "revoked") in steps, (
        steps,
        got[-1]["data"]["listing"]["credit_code"],
        got[-1]["recognition"]["recognised"],
        len(got[-1]["recognition"]["measures"]),
    )


def test_a_listing_sent_on_resume_is_told_its_agreement_ended(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Any, queue: DeliveryQueue
) -> None:
    """The same root for a re-evaluation: the "no longer recognised" restatement goes to past
    recipients by receipts too (``reevaluation_runner``: ``received``), so the parked delivery,
    sent on resume as recognised with its measures, is the subscriber's last word on it."""
    from app_support import HUNAN, end_agreement, hunan_recognises_city, reevaluate
    from test_verify_log_terms import patched

    hunan_recognises_city(gateway)
    reevaluate(aws)
    city = gateway.register_platform(CITY)
    created = subscribe(gateway, receiver.url)  # 湖南, recognising the city's listing
    assert as_operator(gateway, "post", subscription_path(created, "/pause")).status_code == 200
    assert gateway.push(city, CITY, [black_entry()]).status_code == 200
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()  # parked
    patched(gateway, created["subscription_id"], {"filters": {"domains": ["food_drug"]}})
    listed = gateway.client.http.get(f"/v1/agreements?subscriber={HUNAN}").json_body
    [agreement] = listed["agreements"]
    assert end_agreement(gateway, agreement["agreement_id"]).status_code == 200
    reevaluate(aws)
    queue.run()
    assert as_operator(gateway, "post", subscription_path(created, "/resume")).status_code == 200
    for _ in range(3):
        queue.run()

    got = [json.loads(r.body) for r in receiver.requests if b'"recognition"' in r.body]
    told = [(b["type"], b["recognition"]["recognised"]) for b in got]
    assert told[0] == ("listing.changed", True)  # the parked change, as recognised then
    assert told[-1][1] is False, told  # ... and then that the agreement behind it has ended
