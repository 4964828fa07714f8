"""Writes on a listing whose period ended today, before the tick has written it, get the answer
they get once the tick has run (review 127): an update does not put it back in force, a
correction is refused, an upheld objection leaves it expired — each case run both ways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway, StreamReader, black_entry, new_batch_id, push_body
from lifecycle_support import Lifecycle, china_today, listing_path, pushed

from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA, FixedClock


@pytest.fixture
def life(gateway: Gateway) -> Iterator[Lifecycle]:
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def at(moment: datetime) -> None:
    bootstrap.override_clock(FixedClock(moment))


def status_of(gateway: Gateway, code: str) -> Any:
    reply = gateway.client.http.get(
        f"/v1/subjects/{code}?purpose=supervision", headers=gateway.operator()
    )
    assert reply.status_code == 200, reply.json_body
    [view] = reply.json_body["listings"]
    return view["listing"]["status"], view["listing"]["valid_until"]


@pytest.mark.parametrize("ticked_first", [True, False])
def test_an_update_on_the_end_day_does_not_bring_an_ended_listing_back(
    gateway: Gateway, life: Lifecycle, ticked_first: bool
) -> None:
    """Once the tick has run, an update pushed on the end day leaves the listing expired
    (carried_over keeps the status). Before it has run, the same update must do the same:
    lookups already call it expired."""
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    code = entry["credit_code"]
    pushed(gateway, signer, CITY, entry)
    midnight = datetime.combine(ends, time(), CHINA)
    if ticked_first:
        assert life.tick(midnight + timedelta(seconds=30)).json_body["expired"] == 1
    moment = midnight + timedelta(minutes=1)
    at(moment)
    assert status_of(gateway, code)[0] == "expired"
    later = dict(
        entry,
        valid_until=(ends + timedelta(days=60)).isoformat(),
        source_updated_at=(moment - timedelta(seconds=10)).isoformat(),
    )
    batch_id = new_batch_id()
    reply = gateway.post_signed(
        "/v1/pushes", signer, batch_id, push_body(CITY, batch_id, [later], moment), now=moment
    )
    assert reply.status_code == 200, reply.json_body
    life.tick(midnight + timedelta(hours=1))

    assert status_of(gateway, code)[0] == "expired"


def test_a_correction_decided_on_the_end_day_is_refused_as_after_the_tick(
    gateway: Gateway, life: Lifecycle, stream: StreamReader
) -> None:
    """Once the tick has run, a correction of the ended listing is 409 listing_not_in_force
    (test_decisions_on_ended_listings); on the end day before the tick it must be too, not
    put the listing back in force with a new period."""
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    code = entry["credit_code"]
    lid = pushed(gateway, signer, CITY, entry)
    filed = life.post(
        listing_path(code, lid) + "/objections",
        {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"},
        signer,
    )
    assert filed.status_code in (200, 201), filed.json_body
    stream.event()
    moment = datetime.combine(ends, time(), CHINA) + timedelta(minutes=1)
    at(moment)
    corrected = dict(
        entry,
        valid_until=(ends + timedelta(days=60)).isoformat(),
        source_updated_at=(moment - timedelta(seconds=10)).isoformat(),
    )
    body = {
        "outcome": "corrected",
        "note": "经核查",
        "source_updated_at": (moment - timedelta(seconds=10)).isoformat(),
        "corrected_entry": corrected,
    }
    path = listing_path(code, lid) + "/objections/o-1/decision"
    reply = gateway.post_signed(path, signer, None, json.dumps(body).encode(), now=moment)

    assert (reply.status_code, reply.json_body.get("error", {}).get("code")) == (
        409,
        "listing_not_in_force",
    ), reply.json_body
    assert stream.event()["Records"] == []
    assert status_of(gateway, code)[0] == "expired"


@pytest.mark.parametrize("ticked_first", [True, False])
def test_an_objection_upheld_on_the_end_day_does_not_put_the_listing_back_in_force(
    gateway: Gateway, life: Lifecycle, ticked_first: bool
) -> None:
    """After the tick an upheld decision closes the objection and the listing stays expired
    (objection_steps.decide_objection); before it, the decision wrote the listing ``active``
    again, a change every subscriber receives recognised, after its period ended."""
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    code = entry["credit_code"]
    lid = pushed(gateway, signer, CITY, entry)
    filed = life.post(
        listing_path(code, lid) + "/objections",
        {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"},
        signer,
    )
    assert filed.status_code in (200, 201), filed.json_body
    midnight = datetime.combine(ends, time(), CHINA)
    if ticked_first:
        assert life.tick(midnight + timedelta(seconds=30)).json_body["expired"] == 1
    moment = midnight + timedelta(minutes=1)
    at(moment)
    body = {
        "outcome": "upheld",
        "note": "经核查",
        "source_updated_at": (moment - timedelta(seconds=10)).isoformat(),
    }
    path = listing_path(code, lid) + "/objections/o-1/decision"
    reply = gateway.post_signed(path, signer, None, json.dumps(body).encode(), now=moment)

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["listing"]["status"] != "active"
