"""A listing whose period is over reads as expired from the first moment of its end day, before
the tick's next run has written it so (review 87 F3): lookups, checks and person queries judge it
as of their own day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from app_support import CITY, PROVINCE, Gateway, StreamReader, black_entry
from lifecycle_support import Lifecycle, china_today, listing_path, pushed, removal_of, stamp

from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA, FixedClock


@pytest.fixture
def life(gateway: Gateway) -> Iterator[Lifecycle]:
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def at(moment: datetime) -> None:
    bootstrap.override_clock(FixedClock(moment))


def seen(gateway: Gateway, code: str, **query: str) -> Any:
    """The operator's one-stop query (as ``as``, if given): the listing's status, its last
    history step, and whether it is recognised there, with which measures."""
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    path = f"/v1/subjects/{code}?purpose=supervision{extra}"
    response = gateway.client.http.get(path, headers=gateway.operator())
    assert response.status_code == 200, response.json_body
    body = response.json_body
    [view] = body["listings"]
    last = view["listing"]["history"][-1] if view["listing"]["history"] else None
    step = None if last is None else (last["event"], last["at"])
    return view["listing"]["status"], step, view["recognised"], view["measures"]


def test_a_listing_reads_as_expired_from_its_end_day_before_the_tick_runs(
    gateway: Gateway, life: Lifecycle
) -> None:
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    code = entry["credit_code"]
    pushed(gateway, signer, CITY, entry)
    midnight = datetime.combine(ends, time(), CHINA)

    at(midnight - timedelta(seconds=1))
    before = seen(gateway, code, **{"as": PROVINCE})
    public_before = gateway.client.http.get(f"/v1/subjects/{code}").status_code
    at(midnight + timedelta(minutes=1))
    after = seen(gateway, code, **{"as": PROVINCE})
    public_after = gateway.client.http.get(f"/v1/subjects/{code}")
    ticked = life.tick(midnight + timedelta(minutes=5))
    stored = seen(gateway, code)

    assert before[0] == "active"
    assert before[3]  # its measures
    assert public_before == 200
    expired_at = midnight.isoformat()
    assert after == ("expired", ("expired", expired_at), False, [])
    assert public_after.status_code == 404  # an ended listing is no longer made public
    assert ticked.json_body["expired"] == 1  # the tick still writes it, and sends the change
    assert stored[0] == "expired"
    assert stored[1][0] == "expired"  # one expiry step, the tick's


def test_an_action_on_it_names_the_version_stored(gateway: Gateway, life: Lifecycle) -> None:
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    code = entry["credit_code"]
    listing_id = pushed(gateway, signer, CITY, entry)
    stored = gateway.client.http.get(
        f"/v1/subjects/{code}?purpose=supervision", headers=gateway.operator()
    ).json_body["listings"][0]["listing"]["version"]
    at(datetime.combine(ends, time(1), CHINA))

    shown = gateway.client.http.get(
        f"/v1/subjects/{code}?purpose=supervision", headers=gateway.operator()
    ).json_body["listings"][0]["listing"]

    assert (shown["listing_id"], shown["version"]) == (listing_id, stored)


def test_a_check_counts_it_no_longer_as_black(gateway: Gateway, life: Lifecycle) -> None:
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    pushed(gateway, gateway.register_platform(CITY), CITY, entry)
    body = json.dumps({"codes": [entry["credit_code"]], "purpose": "law_enforcement"}).encode()
    at(datetime.combine(ends, time(), CHINA))

    reply = gateway.client.http.post("/v1/checks", headers=gateway.operator(), body=body)

    assert reply.status_code == 200, reply.json_body
    [result] = reply.json_body["results"]
    assert result["subject"]["listings"][0]["listing"]["status"] == "expired"
    assert reply.json_body["summary"]["black"] == 0


@pytest.mark.parametrize("action", ["objection", "repair"])
def test_an_action_needing_it_in_force_is_refused_from_its_end_day(
    gateway: Gateway, life: Lifecycle, stream: StreamReader, action: str
) -> None:
    """What a lookup calls expired is not suspended or repaired either (review 125): nothing
    written, nothing sent."""
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    code = entry["credit_code"]
    listing_id = pushed(gateway, signer, CITY, entry)
    stream.event()
    moment = datetime.combine(ends, time(), CHINA) + timedelta(minutes=1)
    at(moment)
    path = listing_path(code, listing_id)
    body = (
        {"objection_id": "obj-1", "reason": "主体对认定事实有异议"}
        if action == "objection"
        else {"reason": "已履行全部义务并完成整改", "source_updated_at": stamp()}
    )
    path += "/objections" if action == "objection" else "/repair"

    reply = gateway.post_signed(path, signer, None, json.dumps(body).encode(), now=moment)

    assert (reply.status_code, reply.json_body["error"]["code"]) == (409, "listing_not_in_force")
    assert stream.event()["Records"] == []
    assert seen(gateway, code)[0] == "expired"
    assert life.tick(datetime.combine(ends, time(1), CHINA)).json_body["expired"] == 1


@pytest.mark.parametrize(
    ("reason", "answer"),
    [("revoked", ("error", "listing_not_in_force")), ("expired", ("duplicate", None))],
)
def test_a_removal_from_its_end_day_finds_it_ended(
    gateway: Gateway, stream: StreamReader, reason: str, answer: tuple[str, str | None]
) -> None:
    """As after the tick's run: an owner's expiry is the one it had, another removal finds
    nothing in force to end; nothing written, nothing sent."""
    ends = china_today() + timedelta(days=1)
    entry = black_entry(valid_until=ends.isoformat())
    signer = gateway.register_platform(CITY)
    pushed(gateway, signer, CITY, entry)
    stream.event()
    moment = datetime.combine(ends, time(), CHINA) + timedelta(minutes=1)
    at(moment)
    body = {
        "region": CITY,
        "batch_id": "b-end-day",
        "issued_at": moment.isoformat(),
        "entries": [],
        "removals": [removal_of(entry, reason)],
    }

    reply = gateway.post_signed(
        "/v1/pushes", signer, "b-end-day", json.dumps(body).encode(), now=moment
    )

    assert reply.status_code == 200, reply.json_body
    errors = [e["code"] for e in reply.json_body["errors"]]
    outcomes = [o["outcome"] for o in reply.json_body["outcomes"]]
    assert (("error", errors[0]) if errors else (outcomes[0], None)) == answer
    assert reply.json_body["removed"] == 0
    assert stream.event()["Records"] == []
