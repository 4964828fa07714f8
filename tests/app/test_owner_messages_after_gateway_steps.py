"""The owner's messages are held to the owner's own last version, not to the steps the gateway
takes on its listing: an objection filed by another region (or for a subject), its notice
received, or an expiry adds a gateway revision (``rules.next_version``) that sorts after the
owner's version and before anything the owner stamps later. So a removal or an update the owner
made before such a step and pushed after it still applies; a correction decided before content
the owner pushed since is refused (409 ``stale_version``) and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from app_support import CREDIT_CODE, HUNAN
from lifecycle_support import (
    XINZHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    now,
    push_with_removals,
    pushed,
    removal_of,
    xinzheng_entry,
)


def objected(life: Lifecycle, lid: str, by: object = None) -> None:
    body = {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"}
    if by is None:
        body["on_behalf"] = "subject"
    filed = life.post(listing_path(CREDIT_CODE, lid) + "/objections", body, by)
    assert filed.status_code in (200, 201), filed.json_body


def test_another_regions_objection_leaves_the_owners_earlier_made_revocation_to_apply(
    gateway, aws, stream, receiver
):
    life = Lifecycle(gateway)
    owner = gateway.register_platform(XINZHENG)
    hunan = gateway.register_platform(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    entry = xinzheng_entry(source_updated_at=(now() - timedelta(hours=1)).isoformat())
    lid = pushed(gateway, owner, XINZHENG, entry)
    fan_out_and_deliver(aws, stream)
    revoked_at = (now() - timedelta(minutes=2)).isoformat()  # the owner revokes in its system
    objected(life, lid, hunan)  # 湖南 objects meanwhile

    reply = push_with_removals(
        gateway, owner, XINZHENG, [removal_of(entry, "revoked", source_updated_at=revoked_at)]
    )

    assert reply.json_body["removed"] == 1, reply.json_body
    assert life.status(CREDIT_CODE, lid) == "revoked"


def objected_an_hour_on(gateway):  # type: ignore[no-untyped-def]
    """新郑's listing, made an hour ago, then objected to for the subject (a gateway step)."""
    life = Lifecycle(gateway)
    owner = gateway.register_platform(XINZHENG)
    entry = xinzheng_entry(source_updated_at=(now() - timedelta(hours=1)).isoformat())
    lid = pushed(gateway, owner, XINZHENG, entry)
    objected(life, lid)
    return life, owner, entry, lid


def test_an_update_the_owner_made_before_an_objection_is_accepted_after_it(gateway):
    life, owner, entry, lid = objected_an_hour_on(gateway)
    fixed = dict(entry, reason="更正后的事由")
    fixed["source_updated_at"] = (now() - timedelta(minutes=10)).isoformat()

    reply = gateway.push(owner, XINZHENG, [fixed])

    assert reply.json_body["accepted"] == 1, reply.json_body
    [held] = [
        x
        for x in life.lookup(CREDIT_CODE).json_body["listings"]
        if x["listing"]["listing_id"] == lid
    ]
    assert held["listing"]["reason"] == "更正后的事由"


def test_the_same_message_again_after_a_gateway_step_is_still_a_duplicate(gateway):
    _, owner, entry, _ = objected_an_hour_on(gateway)

    reply = gateway.push(owner, XINZHENG, [entry])

    assert (reply.json_body["accepted"], reply.json_body["duplicate"]) == (0, 1)


def test_a_correction_decided_before_newer_content_is_refused_and_changes_nothing(gateway):
    life = Lifecycle(gateway)
    owner = gateway.register_platform(XINZHENG)
    entry = xinzheng_entry(source_updated_at=(now() - timedelta(hours=2)).isoformat())
    lid = pushed(gateway, owner, XINZHENG, entry)
    objected(life, lid, owner)
    newer = dict(
        entry, reason="较新的事由", source_updated_at=(now() - timedelta(minutes=1)).isoformat()
    )
    assert gateway.push(owner, XINZHENG, [newer]).json_body["accepted"] == 1
    before = life.lookup(CREDIT_CODE).json_body

    decided = life.post(
        listing_path(CREDIT_CODE, lid) + "/objections/o-1/decision",
        {
            "outcome": "corrected",
            "corrected_entry": dict(entry, reason="较早更正的事由"),
            "source_updated_at": (now() - timedelta(minutes=30)).isoformat(),
        },
        owner,
    )

    assert decided.status_code == 409, decided.json_body
    assert (decided.json_body["error"]["code"], decided.json_body["error"]["path"]) == (
        "stale_version",
        "source_updated_at",
    )
    assert life.lookup(CREDIT_CODE).json_body == before
