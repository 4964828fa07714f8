"""Writes on a listing whose period ended today, before the tick has written it, get the answer
they get once the tick has run (review 127): an update does not put it back in force, a
correction is refused, an upheld objection leaves it expired — each run both ways where both
are possible."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway, StreamReader, black_entry, new_batch_id, push_body
from lifecycle_support import Lifecycle, china_today, listing_path, pushed
from test_expired_before_the_tick import at, life, seen

from gateway_client.contract.clock import CHINA

__all__ = ["life"]  # the fixture, shared


def ended_today(gateway: Gateway, life: Lifecycle, objected: bool = False) -> dict[str, Any]:
    """A listing whose period ends tomorrow (with an objection the owner filed, if
    ``objected``), and tomorrow's first minute: its entry, id, owner, end and that moment."""
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    listing_id = pushed(gateway, signer, CITY, entry)
    if objected:
        body = {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"}
        path = listing_path(entry["credit_code"], listing_id) + "/objections"
        assert life.post(path, body, signer).status_code == 201
    midnight = datetime.combine(ends, time(), CHINA)
    return {"entry": entry, "id": listing_id, "signer": signer, "ends": ends, "at": midnight}


def decided(gateway: Gateway, made: dict[str, Any], moment: datetime, **decision: Any) -> Any:
    body = {"note": "经核查", "source_updated_at": (moment - timedelta(seconds=10)).isoformat()}
    path = listing_path(made["entry"]["credit_code"], made["id"]) + "/objections/o-1/decision"
    raw = json.dumps({**body, **decision}, ensure_ascii=False).encode()
    return gateway.post_signed(path, made["signer"], None, raw, now=moment)


@pytest.mark.parametrize("ticked_first", [True, False])
def test_an_update_on_the_end_day_does_not_bring_an_ended_listing_back(
    gateway: Gateway, life: Lifecycle, ticked_first: bool
) -> None:
    made = ended_today(gateway, life)
    if ticked_first:
        assert life.tick(made["at"] + timedelta(seconds=30)).json_body["expired"] == 1
    moment = made["at"] + timedelta(minutes=1)
    at(moment)
    later = dict(
        made["entry"],
        valid_until=(made["ends"] + timedelta(days=60)).isoformat(),
        source_updated_at=(moment - timedelta(seconds=10)).isoformat(),
    )
    batch_id = new_batch_id()
    body = push_body(CITY, batch_id, [later], moment)

    reply = gateway.post_signed("/v1/pushes", made["signer"], batch_id, body, now=moment)
    life.tick(made["at"] + timedelta(hours=1))

    assert reply.status_code == 200, reply.json_body
    assert seen(gateway, made["entry"]["credit_code"])[0] == "expired"


def test_a_correction_decided_on_the_end_day_is_refused_as_after_the_tick(
    gateway: Gateway, life: Lifecycle, stream: StreamReader
) -> None:
    made = ended_today(gateway, life, objected=True)
    stream.event()
    moment = made["at"] + timedelta(minutes=1)
    at(moment)
    corrected = dict(
        made["entry"],
        valid_until=(made["ends"] + timedelta(days=60)).isoformat(),
        source_updated_at=(moment - timedelta(seconds=10)).isoformat(),
    )

    reply = decided(gateway, made, moment, outcome="corrected", corrected_entry=corrected)

    assert (reply.status_code, reply.json_body["error"]["code"]) == (409, "listing_not_in_force")
    assert stream.event()["Records"] == []
    assert seen(gateway, made["entry"]["credit_code"])[0] == "expired"


@pytest.mark.parametrize("ticked_first", [True, False])
def test_an_objection_upheld_on_the_end_day_does_not_put_the_listing_back_in_force(
    gateway: Gateway, life: Lifecycle, ticked_first: bool
) -> None:
    made = ended_today(gateway, life, objected=True)
    if ticked_first:
        assert life.tick(made["at"] + timedelta(seconds=30)).json_body["expired"] == 1
    moment = made["at"] + timedelta(minutes=1)
    at(moment)

    reply = decided(gateway, made, moment, outcome="upheld")

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["listing"]["status"] == "expired"
