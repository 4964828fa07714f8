"""GET /v1/activity: pushes, delivery attempts and fan-out lag per Beijing hour, as each caller
may see them; the counters written by the push route and the delivery and fan-out handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import (
    CITY,
    HUNAN,
    OTHER_CREDIT_CODE,
    PROVINCE,
    Gateway,
    StreamReader,
    black_entry,
    error_code,
    new_batch_id,
    new_signer,
    push_body,
)
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    as_platform,
    push_and_fan_out,
    subscribe,
)
from lifecycle_support import push_with_removals, recent_entry, removal_of

import app as gateway_app
from chalicelib import api, bootstrap
from gateway_client.contract.signing import Ed25519Signer

COURTS = "court_defaulter"
ZERO_PUSHES = {"accepted": 0, "duplicate": 0, "removed": 0, "rejected": 0}
ZERO_DELIVERIES = {"delivered": 0, "retrying": 0, "dead": 0}


@pytest.fixture
def signers(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> dict[str, Ed25519Signer]:
    """The city pushes one valid and one invalid entry; 湖南 subscribes and is delivered it."""
    signers = {
        CITY: gateway.register_platform(CITY),
        PROVINCE: gateway.register_platform(PROVINCE),
        HUNAN: gateway.register_platform(HUNAN),
    }
    subscribe(gateway, hook.url, region=HUNAN)
    bad = black_entry(credit_code=OTHER_CREDIT_CODE, decided_on="not a date")
    pushed = gateway.push(signers[CITY], CITY, [black_entry(), bad])
    assert (pushed.json_body["accepted"], pushed.json_body["rejected"]) == (1, 1)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    return signers


def _now(reply: dict[str, Any]) -> dict[str, Any]:
    return dict(reply["hours"][-1])


def test_the_operator_sees_every_province_and_the_backlog(
    gateway: Gateway, signers: dict[str, Ed25519Signer]
) -> None:
    response = as_operator(gateway, "get", "/v1/activity?hours=3")
    assert response.status_code == 200, response.json_body
    reply = response.json_body
    assert reply["region"] is None
    assert len(reply["hours"]) == 3
    assert reply["hours"][0]["pushes"] == ZERO_PUSHES
    assert reply["hours"][0]["hour"] < reply["hours"][-1]["hour"]
    assert reply["hours"][-1]["hour"].endswith(":00:00+08:00")
    assert _now(reply)["pushes"] == {"accepted": 1, "duplicate": 0, "removed": 0, "rejected": 1}
    assert _now(reply)["deliveries"] == {**ZERO_DELIVERIES, "delivered": 1}
    lag = _now(reply)["fan_out_lag_seconds"]
    assert lag["max"] is not None
    assert lag["max"] >= lag["mean"] >= 0
    assert reply["by_region"] == [
        {"region": PROVINCE, "pushes": _now(reply)["pushes"], "deliveries": ZERO_DELIVERIES},
        {"region": HUNAN, "pushes": ZERO_PUSHES, "deliveries": _now(reply)["deliveries"]},
    ]
    assert reply["backlog"] == {"queued": 0, "in_flight": 0, "delayed": 0}


def test_the_operator_may_narrow_to_a_subtree(
    gateway: Gateway, signers: dict[str, Ed25519Signer]
) -> None:
    reply = as_operator(gateway, "get", f"/v1/activity?region={CITY}").json_body
    assert reply["region"] == CITY
    assert len(reply["hours"]) == 24
    assert [row["region"] for row in reply["by_region"]] == [CITY]
    assert _now(reply)["deliveries"] == ZERO_DELIVERIES


def test_a_province_sees_its_subtree_pushes_and_no_backlog(
    gateway: Gateway, signers: dict[str, Ed25519Signer]
) -> None:
    for path in ("/v1/activity", f"/v1/activity?region={PROVINCE}", f"/v1/activity?region={CITY}"):
        response = as_platform(gateway, signers[PROVINCE], "GET", path)
        assert response.status_code == 200, response.json_body
        reply = response.json_body
        assert _now(reply)["pushes"]["accepted"] == 1
        assert _now(reply)["deliveries"] == ZERO_DELIVERIES
        assert [row["region"] for row in reply["by_region"]] == [CITY]
        assert reply["backlog"] is None


def test_a_subscriber_sees_deliveries_to_itself_only(
    gateway: Gateway, signers: dict[str, Ed25519Signer]
) -> None:
    reply = as_platform(gateway, signers[HUNAN], "GET", "/v1/activity?hours=1").json_body
    assert reply["region"] == HUNAN
    assert reply["hours"][0]["pushes"] == ZERO_PUSHES
    assert reply["hours"][0]["deliveries"]["delivered"] == 1


def test_another_region_is_refused_and_shown_nothing(
    gateway: Gateway, signers: dict[str, Ed25519Signer]
) -> None:
    response = as_platform(gateway, signers[HUNAN], "GET", f"/v1/activity?region={PROVINCE}")
    assert response.status_code == 403
    assert error_code(response) == "region_mismatch"
    assert "hours" not in response.json_body
    city = as_platform(gateway, signers[CITY], "GET", f"/v1/activity?region={PROVINCE}")
    assert city.status_code == 403  # a city may not read its province's


def test_anonymous_is_refused(gateway: Gateway) -> None:
    response = gateway.client.http.get("/v1/activity")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("hours=0", "hours"),
        ("hours=169", "hours"),
        ("hours=x", "hours"),
        ("hours=" + "9" * 4301, "hours"),
        ("region=43", "region"),
    ],
)
def test_a_malformed_query_is_a_client_error(gateway: Gateway, query: str, path: str) -> None:
    response = as_operator(gateway, "get", f"/v1/activity?{query}")
    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"
    assert response.json_body["error"]["path"] == path


def test_a_replayed_push_is_counted_once(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    body = push_body(CITY, batch_id, [black_entry()])
    for _ in range(2):
        replied = gateway.post_signed("/v1/pushes", city, batch_id, body)
        assert replied.json_body["accepted"] == 1
    reply = as_operator(gateway, "get", "/v1/activity?hours=1").json_body
    assert reply["hours"][0]["pushes"] == {
        "accepted": 1,
        "duplicate": 0,
        "removed": 0,
        "rejected": 0,
    }


def test_a_counter_that_cannot_be_written_never_fails_the_push(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY)

    def broken(*args: Any) -> None:
        raise RuntimeError("throttled")

    monkeypatch.setattr(bootstrap.container().activity, "add", broken)
    replied = gateway.push(city, CITY, [black_entry()])
    assert replied.status_code == 200
    assert replied.json_body["accepted"] == 1


def test_a_national_sources_deliveries_are_its_own_not_the_nations(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    city = gateway.register_platform(CITY)
    signers = {}
    for code, body in (
        ("100000", {"name": "信用中国", "kind": "national_platform"}),
        (
            "100001",
            {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]},
        ),
    ):
        put = gateway.client.http.put(
            f"/v1/regions/{code}",
            headers=gateway.operator(),
            body=json.dumps(body, ensure_ascii=False).encode(),
        )
        assert put.status_code == 200, put.json_body
        signers[code] = new_signer(f"k-{code}")
        assert gateway.add_key(code, signers[code]).status_code == 201
    subscribe(gateway, hook.url, region="100001")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()

    source = as_platform(gateway, signers["100001"], "GET", "/v1/activity?hours=1").json_body
    nation = as_platform(gateway, signers["100000"], "GET", "/v1/activity?hours=1").json_body
    everyone = as_operator(gateway, "get", "/v1/activity?hours=1").json_body

    assert source["hours"][0]["deliveries"]["delivered"] == 1
    assert nation["hours"][0]["deliveries"]["delivered"] == 0
    assert {r["region"]: r["deliveries"]["delivered"] for r in everyone["by_region"]} == {
        "100001": 1,
        "230000": 0,
    }


def test_a_province_narrowed_to_a_city_sees_that_city_only(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    city = gateway.register_platform(CITY)
    province = gateway.register_platform(PROVINCE)
    subscribe(gateway, hook.url, region=PROVINCE)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()

    reply = as_platform(gateway, province, "GET", f"/v1/activity?hours=1&region={CITY}").json_body

    assert [r["region"] for r in reply["by_region"]] == [CITY]
    assert reply["hours"][0]["deliveries"]["delivered"] == 0  # the province's own, not the city's


def test_a_replayed_batch_is_not_emitted_as_pushed_entries_again(gateway, monkeypatch):
    """The metrics count a batch once, as the activity does (review 221: replays again)."""
    signer = gateway.register_platform(CITY)
    emitted: list[dict[str, Any]] = []
    real = api.emit

    def kept(counts: Any, *args: Any, **dims: Any) -> None:
        emitted.append(dict(counts))
        real(counts, *args, **dims)

    monkeypatch.setattr(api, "emit", kept)
    batch = new_batch_id()
    body = push_body(CITY, batch, [recent_entry()])
    first = gateway.post_signed("/v1/pushes", signer, batch, body)
    again = gateway.post_signed(
        "/v1/pushes", signer, batch, body, now=datetime.now(UTC) + timedelta(seconds=30)
    )
    assert first.status_code == again.status_code == 200
    assert again.body == first.body

    accepted = sum(m.get("PushAccepted", 0) for m in emitted)
    assert accepted == 1, emitted  # one entry accepted once


def test_a_push_that_only_removes_shows_in_the_activity(gateway):
    """An applied removal is counted as removed (review 221: counted nowhere)."""
    signer = gateway.register_platform(CITY)
    entry = recent_entry()
    assert gateway.push(signer, CITY, [entry]).json_body["accepted"] == 1
    removed = push_with_removals(gateway, signer, CITY, [removal_of(entry, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body

    reply = as_operator(gateway, "get", "/v1/activity?hours=1").json_body
    pushes = reply["hours"][-1]["pushes"]
    assert pushes == {"accepted": 1, "duplicate": 0, "removed": 1, "rejected": 0}
