"""A company's listing that named a legal representative, whose later version names nobody (the
person was named by mistake): the earlier versions still hold the person (the log, subscribers'
copies), so retention treats it as involving an individual for good — five years after the
conduct ended it is purged, and a replay sends its tombstone, not the person."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY, PROVINCE, Receiver, StreamReader
from lifecycle_support import (
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)

REPRESENTATIVE = "110108198506150478"
NAME = "周某某"


def test_a_person_a_later_version_drops_is_erased_when_retention_ends(
    gateway: Any, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life = Lifecycle(gateway)
    gateway.put_region(PROVINCE)
    subscribed = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    subscription_id = subscribed.json_body["subscription_id"]
    city = gateway.register_platform(CITY)
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    named = recent_entry(
        decision_number="(2026)黑09执77号",
        conduct_ended_on=ended_on,
        responsible_persons=[
            {"name": NAME, "role": "legal_representative", "id_number": REPRESENTATIVE}
        ],
    )
    listing_id = pushed(gateway, city, CITY, named)
    fan_out_and_deliver(aws, stream)
    assert REPRESENTATIVE.encode() in receiver.requests[0].body  # delivered in full

    # The owner corrects the listing: the person was named by mistake.
    corrected = {
        **named,
        "responsible_persons": [],
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }
    assert pushed(gateway, city, CITY, corrected) == listing_id
    ended = push_with_removals(gateway, city, CITY, [removal_of(corrected, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body
    fan_out_and_deliver(aws, stream)

    # Five years and a day after the conduct ended (and the listing stopped applying).
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    tick = life.tick(at)
    assert tick.status_code == 200, tick.json_body
    fan_out_and_deliver(aws, stream)

    before = len(receiver.requests)
    replayed = life.post(f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1})
    assert replayed.status_code in (200, 202), replayed.json_body
    fan_out_and_deliver(aws, stream)
    resent = [r.body.decode() for r in receiver.requests[before:]]
    assert resent, "the replay sent something"
    leaked = [
        json.loads(body)["data"].get("type")
        for body in resent
        if REPRESENTATIVE in body or NAME in body
    ]
    assert leaked == [], leaked
    assert tick.json_body["purged"] == 1
