"""The black listings the tick makes of broken commitments, over the app's routes: a policy
lists promises broken from the day it was set, no platform lists or resyncs in the gateway's
own domain, and a black listing goes (revoked, delivered as such) with the broken promise its
owner revokes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, NATURAL_PERSON_CODE, Gateway, error_code
from lifecycle_support import (
    Lifecycle,
    change_types,
    fan_out,
    listing_path,
    new_batch_id,
    push_with_removals,
    removal_of,
)
from test_commitment_routes import TODAY, broken, commitment, push
from test_region_settings import put, stored

from chalicelib import bootstrap
from gateway_client.contract import china_date
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.signing import Ed25519Signer

POLICY = {"severity": "general", "legal_basis": "《七台河市信用承诺管理办法》第十条"}


def put_policy(gateway: Gateway, policy: dict[str, Any] | None = POLICY, **more: Any) -> Any:
    body = json.dumps({"name": "七台河市", "broken_commitments": policy, **more}).encode()
    return gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)


@contextmanager
def city_with_policy(
    gateway: Gateway, policy: dict[str, Any] = POLICY
) -> Iterator[tuple[Ed25519Signer, FixedClock]]:
    """The city's platform (under Hunan) with ``policy`` set, and the gateway's clock held
    where the test moves it."""
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    clock = FixedClock(datetime.now(UTC))
    bootstrap.override_clock(clock)
    try:
        assert put_policy(gateway, policy).status_code == 200
        yield city, clock
    finally:
        bootstrap.override_clock(None)


def pushed_at(
    gateway: Gateway,
    signer: Ed25519Signer,
    clock: FixedClock,
    entries: Sequence[dict[str, Any]] = (),
    removals: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The city's push signed at the held clock's time; its answer."""
    batch_id = new_batch_id()
    body = {
        "region": CITY,
        "batch_id": batch_id,
        "issued_at": clock.now().isoformat(),
        "entries": list(entries),
        "removals": list(removals),
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    reply = gateway.post_signed("/v1/pushes", signer, batch_id, raw, clock.now())
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body)


def tick_at(gateway: Gateway, clock: FixedClock) -> dict[str, Any]:
    """The tick run at the held clock's time; its report."""
    reply = Lifecycle(gateway).tick(clock.now())
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body)


def revoked_after_its_period(
    gateway: Gateway, city: Ed25519Signer, clock: FixedClock, listing_id: str
) -> Any:
    """The owner objects to its own broken record and, two days on (the record's period
    ended), decides it revoked: the decision's answer."""
    objections = listing_path(CREDIT_CODE, listing_id) + "/objections"
    filing = {
        "objection_id": "c-1",
        "reason": "承诺已履行，记录有误",
        "on_behalf": "own_verification",
    }
    assert Lifecycle(gateway).post(objections, filing, city).status_code == 201
    clock.advance(timedelta(days=2))
    decision = {
        "outcome": "revoked",
        "note": "经核查记录有误",
        "source_updated_at": clock.now().isoformat(),
    }
    raw = json.dumps(decision, ensure_ascii=False).encode()
    return gateway.post_signed(f"{objections}/c-1/decision", city, None, raw, clock.now())


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    gateway.put_region(HUNAN, name="湖南省")
    return gateway.register_platform(CITY)


def blacks(gateway: Gateway, code: str = CREDIT_CODE) -> list[dict[str, Any]]:
    """The subject's black listings as the operator sees them (ended ones too)."""
    path = f"/v1/subjects/{code}?purpose=supervision"  # a person's asks for a purpose
    reply = gateway.client.http.get(path, headers=gateway.operator())
    assert reply.status_code == 200, reply.json_body
    return [v["listing"] for v in reply.json_body["listings"] if v["listing"]["kind"] == "black"]


def test_a_policy_is_stamped_with_the_day_it_was_set_and_keeps_it_when_changed(gateway, city):
    first = put_policy(gateway)
    changed = put_policy(gateway, {**POLICY, "severity": "serious"})
    forged = put_policy(gateway, {**POLICY, "since": "2020-01-01"})

    today = china_date(datetime.now(UTC)).isoformat()
    assert first.json_body["broken_commitments"]["since"] == today
    earlier = [{**POLICY, "since": today}]  # set the same day: a breach that day was under it
    expected = {**POLICY, "severity": "serious", "since": today, "terms_since": today}
    expected["earlier"] = earlier
    assert changed.json_body["broken_commitments"] == expected
    assert forged.status_code == 400
    assert forged.json_body["error"]["path"] == "broken_commitments.since"


def test_a_promise_broken_before_the_policy_was_set_is_not_listed(gateway, city):
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    push(gateway, city, CITY, commitment(), commitment(2, outcome="broken", outcome_on=yesterday))
    assert put_policy(gateway).status_code == 200

    assert Lifecycle(gateway).tick().json_body["broken_commitments_listed"] == 0
    assert blacks(gateway) == []


def test_no_platform_lists_in_the_domain_the_gateway_lists_itself(gateway, city):
    entry = {
        **commitment(),
        "kind": "black",
        "domain": "broken_commitment",
        "severity": "general",
        "legal_basis": "《七台河市信用承诺管理办法》第十条",
        "commitment": None,
    }
    del entry["commitment"]

    reply = gateway.push(city, CITY, [entry])

    assert reply.status_code == 200, reply.json_body
    assert [(e["field"], e["code"]) for e in reply.json_body["errors"]] == [
        ("domain", "domain_reserved")
    ]
    lookup = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    assert lookup.status_code == 404


def test_no_platform_resyncs_the_domain_the_gateway_lists_itself(gateway, city):
    content = b"{}\n"
    manifest = {
        "region": CITY,
        "upload_id": "u-city-1",
        "issued_at": datetime.now(UTC).isoformat(),
        "count": 1,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "mode": "resync",
        "domains": ["licensing_commitment", "broken_commitment"],
    }

    reply = gateway.post_signed("/v1/uploads", city, "u-city-1", json.dumps(manifest).encode())

    assert reply.status_code == 400, reply.json_body
    assert (error_code(reply), reply.json_body["error"]["path"]) == ("domain_reserved", "domains")


def test_revoking_a_broken_promise_revokes_its_black_listing_for_every_subscriber(
    gateway, city, aws, stream
):
    assert put_policy(gateway).status_code == 200
    push(gateway, city, CITY, commitment(), broken())
    assert Lifecycle(gateway).tick().json_body["broken_commitments_listed"] == 1
    fan_out(aws, stream)  # the commitment and its black listing, before anyone subscribed
    subscribed = gateway.subscribe_as_operator(region=HUNAN, url="https://sub.example.cn/hooks")
    assert subscribed.status_code == 201, subscribed.json_body

    revoked = push_with_removals(gateway, city, CITY, [removal_of(broken(), "revoked")])
    ticked = Lifecycle(gateway).tick().json_body

    assert revoked.json_body["removed"] == 1, revoked.json_body
    assert ticked["broken_commitments_unlisted"] == 1
    assert [b["status"] for b in blacks(gateway)] == ["revoked"]
    assert sorted(change_types(fan_out(aws, stream))) == ["revoked", "revoked"]
    assert Lifecycle(gateway).tick().json_body["broken_commitments_unlisted"] == 0


def test_the_owner_corrects_the_black_listing_the_tick_made_as_any_of_its_own(gateway, city):
    assert put_policy(gateway).status_code == 200
    push(gateway, city, CITY, commitment(), broken())
    Lifecycle(gateway).tick()
    [black] = blacks(gateway)
    fields = ("credit_code", "kind", "domain", "severity", "reason", "legal_basis")
    fields += ("deciding_authority", "decision_number", "decided_on", "valid_from")
    corrected = {name: black[name] for name in fields}
    corrected |= {"subject_name": "七台河某某矿业有限公司", "source_sequence": 3}
    corrected["source_updated_at"] = datetime.now(UTC).isoformat()
    hunan = gateway.register_platform(HUNAN)

    theirs = gateway.push(hunan, HUNAN, [{**corrected, "source_sequence": 4}])
    ours = gateway.push(city, CITY, [corrected])

    assert [e["code"] for e in theirs.json_body["errors"]] == ["domain_reserved"]
    assert (ours.json_body["accepted"], ours.json_body["errors"]) == (1, [])
    assert [(b["listing_id"], b["subject_name"]) for b in blacks(gateway)] == [
        (black["listing_id"], "七台河某某矿业有限公司")
    ]


def test_no_national_source_is_registered_for_the_domain_the_gateway_lists_itself(gateway):
    source = {"name": "某部委", "kind": "national_source", "domains": ["broken_commitment"]}

    reply = put(gateway, "100007", source)

    error = reply.json_body["error"]
    assert (reply.status_code, error["path"]) == (400, "domains")
    assert [e["code"] for e in error["errors"]] == ["domain_reserved"]
    assert stored("100007") is None


def test_a_guessed_number_behind_a_masked_copy_gets_the_answer_a_wrong_one_gets(gateway, city):
    """Review 47c F1: a region shown the tick's listing of a person masked copied its fields
    and pushed candidate numbers: the held one was refused `not_listing_owner`, every other
    `domain_reserved` (nothing listed, nothing logged) — an oracle for the number."""
    hunan = gateway.register_platform(HUNAN)
    assert put_policy(gateway).status_code == 200
    person = {"credit_code": NATURAL_PERSON_CODE, "subject_name": "张某某"}
    push(gateway, city, CITY, {**commitment(), **person}, {**broken(), **person})
    assert Lifecycle(gateway).tick().json_body["broken_commitments_listed"] == 1
    shown = gateway.send_signed(
        "GET", f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision", hunan
    )
    [black] = [v["listing"] for v in shown.json_body["listings"] if v["listing"]["kind"] == "black"]
    assert black["credit_code"] != NATURAL_PERSON_CODE  # masked
    fields = ("subject_name", "kind", "domain", "severity", "reason", "legal_basis")
    copied = {name: black[name] for name in (*fields, "deciding_authority", "decision_number")}
    copied |= {"decided_on": black["decided_on"], "valid_from": black["valid_from"]}
    copied["source_updated_at"] = datetime.now(UTC).isoformat()
    wrong = "11010519800101018X"

    reply = gateway.push(
        hunan, HUNAN, [{**copied, "credit_code": c} for c in (wrong, NATURAL_PERSON_CODE)]
    )

    assert [(e["index"], e["code"]) for e in reply.json_body["errors"]] == [
        (0, "domain_reserved"),
        (1, "domain_reserved"),
    ]
    first, second = reply.json_body["errors"]
    assert first["message"] == second["message"]


def test_a_person_s_broken_promise_revoked_revokes_its_black_listing_once(gateway, city):
    """A person's black listing has the id of the commitment's region (as ``promote`` makes
    every person's listing): the tick finds it to revoke, and lists it once."""
    assert put_policy(gateway).status_code == 200
    person = {"credit_code": NATURAL_PERSON_CODE, "subject_name": "王某某"}
    push(gateway, city, CITY, {**commitment(), **person}, {**broken(), **person})
    listed = Lifecycle(gateway).tick().json_body["broken_commitments_listed"]
    again = Lifecycle(gateway).tick().json_body["broken_commitments_listed"]
    gone = {**removal_of(broken(), "revoked"), "credit_code": NATURAL_PERSON_CODE}
    revoked = push_with_removals(gateway, city, CITY, [gone])
    ticked = Lifecycle(gateway).tick().json_body

    assert (listed, again) == (1, 0)
    assert revoked.json_body["removed"] == 1, revoked.json_body
    assert ticked["broken_commitments_unlisted"] == 1
    assert [b["status"] for b in blacks(gateway, NATURAL_PERSON_CODE)] == ["revoked"]


def test_a_broken_promise_revoked_by_an_objection_after_its_period_unlists_its_black_listing(
    gateway, city
):
    """The owner objects to its own broken record and decides it revoked once the record's
    period ended: the record keeps its status (expired), its black listing goes all the same,
    once (review 212: it stood, delivered in force)."""
    at = datetime.now(UTC)
    clock = FixedClock(at)
    bootstrap.override_clock(clock)
    try:
        assert put_policy(gateway).status_code == 200
        ends = {"valid_until": (TODAY + timedelta(days=1)).isoformat()}
        today = TODAY.isoformat()
        broke = commitment(2, deadline=today, outcome="broken", outcome_on=today)
        made = push(gateway, city, CITY, {**broke, **ends})
        assert made["errors"] == [], made["errors"]
        listing_id = made["outcomes"][0]["listing_id"]
        life = Lifecycle(gateway)
        assert life.tick().json_body["broken_commitments_listed"] == 1
        decided = revoked_after_its_period(gateway, city, clock, listing_id)
        ticked = [life.tick().json_body["broken_commitments_unlisted"] for _ in range(2)]
    finally:
        bootstrap.override_clock(None)

    assert decided.status_code == 200, decided.json_body
    assert decided.json_body["listing"]["status"] == "expired"
    assert ticked == [1, 0]
    assert [b["status"] for b in blacks(gateway)] == ["revoked"]


COUNTY = "230902"  # 七台河市新兴区


def put_city(gateway: Gateway, **fields: Any) -> Any:
    body = json.dumps({"name": "七台河市", **fields}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def test_turning_relaying_on_lists_no_promise_broken_before_it(gateway: Gateway) -> None:
    """A promise the county broke while its city did not relay was broken under no policy:
    relaying turned on later does not list it (review 224), and says from when it acts."""
    gateway.put_region(HUNAN, name="湖南省")
    bootstrap.override_clock(FixedClock(datetime.now(UTC) - timedelta(days=5)))
    try:  # the city's policy, set five days ago, while it does not relay for its counties
        city = put_city(gateway, broken_commitments=POLICY, relays_subregions=False)
    finally:
        bootstrap.override_clock(None)
    assert city["broken_commitments"]["since"] == (TODAY - timedelta(days=5)).isoformat()
    county = gateway.register_platform(COUNTY)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    made = push(
        gateway,
        county,
        COUNTY,
        commitment(),
        commitment(2, outcome="broken", outcome_on=yesterday),
    )
    assert made["errors"] == [], made["errors"]
    life = Lifecycle(gateway)
    relaying = put_city(gateway, relays_subregions=True)  # today, before the next tick
    assert relaying["relays_since"] == TODAY.isoformat()

    listed = life.tick().json_body["broken_commitments_listed"]
    assert (listed, blacks(gateway)) == (0, [])
