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
from delivery_support import Reply
from lifecycle_support import china_today, push_with_removals, pushed, removal_of
from reevaluation_race import reevaluated_racing

import app as gateway_app

RECENT = (china_today() - timedelta(days=1)).isoformat()


def _listed(gateway, stream, queue, url: str, **extra: Any):  # type: ignore[no-untyped-def]
    """大冶's black listing, delivered to 湖南's new subscription at ``url``: the platform, its
    entry, the listing id and the subscription's path."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=url, **extra)
    assert made.status_code == 201, made.json_body
    entry = daye_black_entry(
        decided_on=RECENT, valid_from=RECENT, source_updated_at="2026-03-02T09:00:00+08:00"
    )
    listing_id = pushed(gateway, daye, DAYE, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    return daye, entry, listing_id, f"/v1/subscriptions/{made.json_body['subscription_id']}"


def _revoked(gateway, stream, daye, entry) -> None:  # type: ignore[no-untyped-def]
    removed = push_with_removals(gateway, daye, DAYE, [removal_of(entry, "revoked")])
    assert removed.status_code == 200, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)


def _told(requests, listing_id: str, field: str = "status") -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    """What each webhook said of the listing, in order: its type, the listing's ``field``, and
    whether it was recognised."""
    told = []
    for r in requests:
        body = json.loads(r.body)
        listing = body["data"]["listing"]
        if listing["listing_id"] == listing_id:
            told.append((body["type"], listing[field], body["recognition"]["recognised"]))
    return told


def _operator_post(gateway, path: str) -> None:  # type: ignore[no-untyped-def]
    reply = gateway.client.http.post(path, headers=gateway.operator(), body=b"{}")
    assert reply.status_code in (200, 202), reply.json_body


def _restated_while_paused(gateway, aws, queue, path: str) -> None:  # type: ignore[no-untyped-def]
    _operator_post(gateway, path + "/pause")
    assert create_agreement(gateway, agreement_terms()).status_code == 201
    reevaluate(aws)
    queue.run()  # parked


def _resumed(gateway, queue, hook, path: str) -> None:  # type: ignore[no-untyped-def]
    assert hook.requests == []  # everything parked
    _operator_post(gateway, path + "/resume")
    for _ in range(2):
        queue.run()


@pytest.mark.roles_unchecked
def test_a_revoked_listing_is_not_restated_recognised_after_its_revocation(
    gateway, aws, receiver, stream, queue
):
    """A re-evaluation page computed, and before it is queued the listing revoked and the
    revocation delivered: the page's restatement, queued after, is not sent."""
    daye, entry, listing_id, _ = _listed(gateway, stream, queue, receiver.url)
    receiver.requests.clear()
    assert create_agreement(gateway, agreement_terms()).status_code == 201  # the job

    def revoked_and_told() -> None:
        _revoked(gateway, stream, daye, entry)
        queue.run()  # its own fan-out, delivered

    reevaluated_racing(aws, bool, revoked_and_told)
    for _ in range(3):
        queue.run()

    told = _told(receiver.requests, listing_id)
    assert told, "nothing told"
    assert told[0][1] == "revoked"  # the revocation went first
    assert told[-1][2] is False, f"湖南's last word on the revoked listing, in order: {told}"


@pytest.mark.roles_unchecked
def test_a_dead_restatement_is_not_redriven_after_its_listing_was_revoked(
    gateway, aws, hook, stream, queue
):
    """No race: the restatement dies (its endpoint failing), the listing is revoked and the
    revocation delivered, then the operator re-drives the dead."""
    daye, entry, listing_id, path = _listed(
        gateway, stream, queue, hook.url, retry_schedule_seconds=[0]
    )
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
    dead = gateway.client.http.get(f"{path}/deliveries?state=dead", headers=gateway.operator())
    assert len(dead.json_body["deliveries"]) == 1, dead.json_body
    state["refuse"] = False

    _revoked(gateway, stream, daye, entry)
    for _ in range(2):
        queue.run()
    _operator_post(gateway, path + "/redrive")
    for _ in range(2):
        queue.run()

    told = _told(hook.requests, listing_id)
    assert ("listing.changed", "revoked", False) in told, told
    assert told[-1][2] is False, f"湖南's last word on the revoked listing, in order: {told}"


@pytest.mark.roles_unchecked
def test_a_resume_does_not_send_a_restatement_after_its_listings_revocation(
    gateway, aws, hook, stream, queue
):
    """The subscriber's own pause and resume: while paused, an agreement restates the listing
    (recognised) and its owner then revokes it; both parked. The resume sends logged changes
    first and restatements after (``Redriving._redrive_chunk``'s sort)."""
    daye, entry, listing_id, path = _listed(gateway, stream, queue, hook.url)
    hook.requests.clear()
    _restated_while_paused(gateway, aws, queue, path)
    _revoked(gateway, stream, daye, entry)
    queue.run()  # parked
    _resumed(gateway, queue, hook, path)

    told = _told(hook.requests, listing_id)
    assert ("listing.changed", "revoked", False) in told, told
    assert told[-1][2] is False, f"湖南's last word on the revoked listing, in order: {told}"


@pytest.mark.roles_unchecked
def test_a_resume_does_not_roll_a_listing_back_to_the_version_a_restatement_carried(
    gateway, aws, hook, stream, queue
):
    """The same, with the listing corrected (a new version, still recognised) instead of
    revoked: the restatement carrying the old version would end the subscriber's copy on the
    version the owner replaced."""
    daye, entry, listing_id, path = _listed(gateway, stream, queue, hook.url)
    hook.requests.clear()
    _restated_while_paused(gateway, aws, queue, path)
    corrected = {
        **entry,
        "reason": entry["reason"] + "（更正）",
        "source_updated_at": "2026-03-03T09:00:00+08:00",
    }
    assert pushed(gateway, daye, DAYE, corrected) == listing_id
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()  # parked
    _resumed(gateway, queue, hook, path)

    told = _told(hook.requests, listing_id, "reason")
    assert any(reason == corrected["reason"] for _, reason, _ in told), told
    assert told[-1][1] == corrected["reason"], f"the subscriber's last copy, in order: {told}"
