"""A restatement of a listing version since revoked or corrected is never sent after the
change that ended that version (review 300): judged at its attempt, at a re-drive and at a
resume on the listing as stored, not on the version it carries — else the subscriber's last
word on a revoked listing is "recognised, apply these measures", or a corrected listing goes
back to the text its owner replaced."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    reevaluate,
)
from lifecycle_support import china_today, push_with_removals, pushed, removal_of

import app as gateway_app
from chalicelib import bootstrap


@pytest.mark.roles_unchecked
def test_a_revoked_listing_is_not_restated_recognised_after_its_revocation(
    gateway, aws, receiver, stream, queue
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201
    recent = (china_today() - timedelta(days=1)).isoformat()
    entry = daye_black_entry(decided_on=recent, valid_from=recent)
    listing_id = pushed(gateway, daye, DAYE, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    receiver.requests.clear()

    assert create_agreement(gateway, agreement_terms()).status_code == 201  # the job

    runner = bootstrap.container().reevaluation_runner
    original = runner.queue.enqueue
    raced = {"done": False}

    def enqueue(deliveries: Any, **kwargs: Any) -> Any:
        if kwargs or raced["done"]:  # a fan-out's (the queue is one object), or later pages
            return original(deliveries, **kwargs)
        if deliveries:
            raced["done"] = True  # the page is computed; before it is queued, the revocation
            removed = push_with_removals(gateway, daye, DAYE, [removal_of(entry, "revoked")])
            assert removed.status_code == 200, removed.json_body
            gateway_app.fan_out_changes(stream.event(), None)
            queue.run()  # its own fan-out, delivered
        return original(deliveries)

    runner.queue.enqueue = enqueue  # type: ignore[method-assign]
    try:
        reevaluate(aws)
    finally:
        runner.queue.enqueue = original  # type: ignore[method-assign]
    assert raced["done"]
    for _ in range(3):
        queue.run()

    told = []
    for r in receiver.requests:
        body = json.loads(r.body)
        listing = body["data"]["listing"]
        if listing["listing_id"] == listing_id:
            told.append((body["type"], listing["status"], body["recognition"]["recognised"]))
    assert told, "nothing told"
    assert told[0][1] == "revoked"  # the revocation went first
    assert told[-1][2] is False, f"湖南's last word on the revoked listing, in order: {told}"


@pytest.mark.roles_unchecked
def test_a_dead_restatement_is_not_redriven_after_its_listing_was_revoked(
    gateway, aws, hook, stream, queue
):
    """No race: the restatement dies (its endpoint failing), the listing is revoked and the
    revocation delivered, then the operator re-drives the dead: ``FromTheLog.stands`` judges
    the restatement on the listing it carries (active), so it "stands" and goes out after the
    revocation: 湖南 is told last that a revoked listing is recognised, with its measures."""
    from delivery_support import Reply

    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=hook.url, retry_schedule_seconds=[0])
    assert made.status_code == 201, made.json_body
    subscription_id = made.json_body["subscription_id"]
    recent = (china_today() - timedelta(days=1)).isoformat()
    entry = daye_black_entry(decided_on=recent, valid_from=recent)
    listing_id = pushed(gateway, daye, DAYE, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    hook.requests.clear()

    state = {"refuse": True}

    def reply(received: Any) -> Reply:
        body = json.loads(received.body)
        if body["type"] == "recognition.changed" and state["refuse"]:
            return Reply(500)
        return Reply(204)

    hook.reply = reply
    assert create_agreement(gateway, agreement_terms()).status_code == 201
    reevaluate(aws)
    for _ in range(3):  # failed, then dead
        queue.run()
    dead = gateway.client.http.get(
        f"/v1/subscriptions/{subscription_id}/deliveries?state=dead", headers=gateway.operator()
    ).json_body["deliveries"]
    assert len(dead) == 1, dead
    state["refuse"] = False

    removed = push_with_removals(gateway, daye, DAYE, [removal_of(entry, "revoked")])
    assert removed.status_code == 200, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(2):
        queue.run()
    redriven = gateway.client.http.post(
        f"/v1/subscriptions/{subscription_id}/redrive", headers=gateway.operator(), body=b""
    )
    assert redriven.status_code in (200, 202), redriven.json_body
    for _ in range(2):
        queue.run()

    told = []
    for r in hook.requests:
        body = json.loads(r.body)
        listing = body["data"]["listing"]
        if listing["listing_id"] == listing_id:
            told.append((body["type"], listing["status"], body["recognition"]["recognised"]))
    assert ("listing.changed", "revoked", False) in told, told
    assert told[-1][2] is False, f"湖南's last word on the revoked listing, in order: {told}"


@pytest.mark.roles_unchecked
def test_a_resume_does_not_send_a_restatement_after_its_listings_revocation(
    gateway, aws, hook, stream, queue
):
    """The subscriber's own pause and resume: while paused, an agreement restates the listing
    (recognised) and its owner then revokes it; both parked. The resume sends logged changes
    first and restatements after (``Redriving._redrive_chunk``'s sort), and judges the
    restatement on the listing it carries: "recognised, active" is the last word on a revoked
    listing."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=hook.url)
    assert made.status_code == 201, made.json_body
    subscription_id = made.json_body["subscription_id"]
    recent = (china_today() - timedelta(days=1)).isoformat()
    entry = daye_black_entry(decided_on=recent, valid_from=recent)
    listing_id = pushed(gateway, daye, DAYE, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    hook.requests.clear()
    path = f"/v1/subscriptions/{subscription_id}"
    paused = gateway.client.http.post(path + "/pause", headers=gateway.operator(), body=b"{}")
    assert paused.status_code == 200, paused.json_body

    assert create_agreement(gateway, agreement_terms()).status_code == 201
    reevaluate(aws)
    queue.run()  # parked
    removed = push_with_removals(gateway, daye, DAYE, [removal_of(entry, "revoked")])
    assert removed.status_code == 200, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()  # parked
    assert hook.requests == []

    resumed = gateway.client.http.post(path + "/resume", headers=gateway.operator(), body=b"{}")
    assert resumed.status_code == 200, resumed.json_body
    for _ in range(2):
        queue.run()

    told = []
    for r in hook.requests:
        body = json.loads(r.body)
        listing = body["data"]["listing"]
        if listing["listing_id"] == listing_id:
            told.append((body["type"], listing["status"], body["recognition"]["recognised"]))
    assert ("listing.changed", "revoked", False) in told, told
    assert told[-1][2] is False, f"湖南's last word on the revoked listing, in order: {told}"


@pytest.mark.roles_unchecked
def test_a_resume_does_not_roll_a_listing_back_to_the_version_a_restatement_carried(
    gateway, aws, hook, stream, queue
):
    """The same, with the listing corrected (a new version, still recognised) instead of
    revoked: the resume sends the new version's listing.changed, then the restatement carrying
    the old version, which "stands" (same recognition): the subscriber's copy ends on the
    version the owner replaced."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=hook.url)
    assert made.status_code == 201, made.json_body
    subscription_id = made.json_body["subscription_id"]
    recent = (china_today() - timedelta(days=1)).isoformat()
    entry = daye_black_entry(
        decided_on=recent, valid_from=recent, source_updated_at="2026-03-02T09:00:00+08:00"
    )
    listing_id = pushed(gateway, daye, DAYE, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    hook.requests.clear()
    path = f"/v1/subscriptions/{subscription_id}"
    paused = gateway.client.http.post(path + "/pause", headers=gateway.operator(), body=b"{}")
    assert paused.status_code == 200, paused.json_body

    assert create_agreement(gateway, agreement_terms()).status_code == 201
    reevaluate(aws)
    queue.run()  # parked
    corrected = {
        **entry,
        "reason": entry["reason"] + "（更正）",
        "source_updated_at": "2026-03-03T09:00:00+08:00",
    }
    assert pushed(gateway, daye, DAYE, corrected) == listing_id
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()  # parked
    assert hook.requests == []

    resumed = gateway.client.http.post(path + "/resume", headers=gateway.operator(), body=b"{}")
    assert resumed.status_code == 200, resumed.json_body
    for _ in range(2):
        queue.run()

    told = []
    for r in hook.requests:
        body = json.loads(r.body)
        listing = body["data"]["listing"]
        if listing["listing_id"] == listing_id:
            told.append((body["type"], listing["reason"]))
    assert any(reason == corrected["reason"] for _, reason in told), told
    assert told[-1][1] == corrected["reason"], f"the subscriber's last copy, in order: {told}"
