"""A decision whose listing a retention purge erased cannot be listed again: its id derives from
the decision, so a re-push (or a line of an upload), unchanged or changed, would bring the
person's data back under an id the log keeps erased and subscribers never receive. Each copy is
refused per entry (``listing_purged``) and nothing is stored, logged or delivered; another
decision about the same person is still listed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from app_support import CITY, PROVINCE, Gateway, Receiver, StreamReader
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway_client.contract.signing import Ed25519Signer


def purged_person(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> tuple[Ed25519Signer, dict[str, Any]]:
    """A person's listing pushed, delivered, ended and purged; the city's signer and the entry."""
    gateway.put_region(PROVINCE)
    gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    city = gateway.register_platform(CITY)
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    person = recent_entry(credit_code=PERSON_CODE, subject_name="黄某某", conduct_ended_on=ended_on)
    pushed(gateway, city, CITY, person)
    fan_out_and_deliver(aws, stream)
    ended = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body
    fan_out_and_deliver(aws, stream)
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    assert Lifecycle(gateway).tick(at).json_body["purged"] == 1
    fan_out_and_deliver(aws, stream)
    receiver.requests.clear()
    return city, person


def _changed(person: dict[str, Any]) -> dict[str, Any]:
    """The same decision sent again as a newer version with other content."""
    again = dict(person, source_updated_at=stamp(), reason="重新推送：同一决定")
    again.pop("conduct_ended_on")
    return again


def _log(gateway: Gateway) -> dict[str, Any]:
    return dict(Lifecycle(gateway).get("/v1/log?limit=1000").json_body)


def _nothing_followed(gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver) -> None:
    assert Lifecycle(gateway).lookup(PERSON_CODE).status_code == 404
    assert container().listings.subject(PERSON_CODE) == []
    assert fan_out_and_deliver(aws, stream) == []
    assert receiver.requests == []


def test_a_repush_of_a_purged_decision_is_refused_and_changes_nothing(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    city, person = purged_person(gateway, aws, stream, receiver)
    log = _log(gateway)

    for entry in (person, _changed(person)):
        reply = gateway.push(city, CITY, [entry])
        assert reply.status_code == 200, reply.json_body
        assert (reply.json_body["accepted"], reply.json_body["rejected"]) == (0, 1)
        assert reply.json_body["outcomes"] == []
        [error] = reply.json_body["errors"]
        assert (error["list"], error["index"], error["code"]) == ("entries", 0, "listing_purged")
        assert error["field"] == "decision_number"

    _nothing_followed(gateway, aws, stream, receiver)
    assert _log(gateway) == log
    other = dict(_changed(person), decision_number="(2026)黑09执77号")
    listing_id = pushed(gateway, city, CITY, other)
    [delivered] = fan_out_and_deliver(aws, stream)
    assert delivered.change.listing.listing_id == listing_id
    assert [json.loads(r.body)["data"]["listing"]["listing_id"] for r in receiver.requests] == [
        listing_id
    ]


def test_an_upload_line_of_a_purged_decision_is_refused_and_the_others_are_listed(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    city, person = purged_person(gateway, aws, stream, receiver)
    log = _log(gateway)

    upload_id = uploaded(gateway, aws, city, [person, _changed(person)])
    upload = container().uploads.get(CITY, upload_id)
    assert upload is not None
    assert (upload.accepted, upload.duplicate, upload.rejected) == (0, 0, 2)
    assert [(e.line, e.field, e.code) for e in upload.errors] == [
        (1, "decision_number", "listing_purged"),
        (2, "decision_number", "listing_purged"),
    ]
    _nothing_followed(gateway, aws, stream, receiver)
    assert _log(gateway) == log

    other = dict(_changed(person), decision_number="(2026)黑09执77号")
    upload = container().uploads.get(CITY, uploaded(gateway, aws, city, [person, other]))
    assert upload is not None
    assert (upload.accepted, upload.rejected) == (1, 1)
    [delivered] = fan_out_and_deliver(aws, stream)
    assert delivered.change.listing.decision_number == other["decision_number"]
    assert len(receiver.requests) == 1
