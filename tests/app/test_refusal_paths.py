"""Refusals that name what is at fault: a signature's header, a query parameter the route does
not declare or that comes twice, a filter or a month that is no valid value. Each is a 4xx with
a stable ``code`` and ``path``, and nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from app_support import (
    CREDIT_CODE,
    HUBEI,
    HUNAN,
    Gateway,
    black_entry,
    new_batch_id,
    platform_headers,
    push_body,
    signed_agreement,
)
from shape_support import error, send, stored

from chalicelib.openapi import OPERATIONS
from gateway_client.contract.clock import china_date

# --- a refused signature names the header -----------------------------------------------------


def test_each_refused_signature_names_its_header_and_stores_nothing(gateway: Gateway) -> None:
    signer = gateway.register_platform(HUBEI)
    batch_id = new_batch_id()
    body = push_body(HUBEI, batch_id, [black_entry()])
    good = platform_headers(signer, "POST", "/v1/pushes", body, batch_id)
    old = platform_headers(
        signer, "POST", "/v1/pushes", body, batch_id, datetime(2020, 1, 1, tzinfo=UTC)
    )

    def push(headers: dict[str, str], sent: bytes = body) -> tuple[int, str, str]:
        reply = gateway.client.http.post("/v1/pushes", headers=headers, body=sent)
        return reply.status_code, error(reply)["code"], error(reply)["path"]

    without_key = {k: v for k, v in good.items() if k.lower() != "x-credit-key-id"}
    without_id = {k: v for k, v in good.items() if k.lower() != "webhook-id"}
    assert push(without_key) == (401, "missing_signature", "x-credit-key-id")
    assert push(without_id) == (401, "missing_signature", "webhook-id")
    assert push({**good, "x-credit-key-id": "k-nobody"}) == (403, "unknown_key", "x-credit-key-id")
    assert push(old) == (401, "timestamp_out_of_window", "webhook-timestamp")
    assert push({**good, "webhook-timestamp": "soon"})[2] == "webhook-timestamp"
    assert push(good, body + b" ") == (
        401,
        "invalid_signature",
        "webhook-signature",
    )
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404  # none

    accepted = gateway.client.http.post("/v1/pushes", headers=good, body=body)
    assert (accepted.status_code, accepted.json_body["accepted"]) == (200, 1)
    other = push_body(HUBEI, batch_id, [black_entry(decision_number="(2024)鄂01执2号")])
    resigned = platform_headers(signer, "POST", "/v1/pushes", other, batch_id)
    assert push(resigned, other) == (409, "batch_id_reused", "batch_id")


def test_a_replayed_request_names_the_webhook_id(gateway: Gateway) -> None:
    signer = gateway.register_platform(HUBEI)
    headers = platform_headers(signer, "GET", "/v1/subscriptions", b"", "req-once-1")
    assert gateway.client.http.get("/v1/subscriptions", headers=headers).status_code == 200
    again = gateway.client.http.get("/v1/subscriptions", headers=headers)
    assert (again.status_code, error(again)["code"], error(again)["path"]) == (
        409,
        "request_replayed",
        "webhook-id",
    )


def test_a_refusal_of_the_caller_names_what_it_refused(gateway: Gateway, aws: object) -> None:
    signer = gateway.register_platform(HUBEI)
    keys = f"/v1/regions/{HUBEI}/keys"
    query = b'{"id_number": "110108198004120033", "purpose": "supervision"}'
    too_big = b" " * (6 * 1024 * 1024)
    items = written(aws)
    http = gateway.client.http
    replies = [
        http.get(keys),
        http.get(keys, headers=platform_headers(signer, "GET", keys, b"", new_batch_id())),
        http.post("/v1/persons/query", headers={"Content-Type": "application/json"}, body=query),
        http.get("/v1/console/session", headers={"Authorization": "Bearer cgs_" + "0" * 40}),
        http.post(
            "/v1/pushes",
            headers=platform_headers(signer, "POST", "/v1/pushes", too_big, new_batch_id()),
            body=too_big,
        ),
    ]
    assert [(r.status_code, error(r)["code"], error(r)["path"]) for r in replies] == [
        (401, "operator_credentials_required", "authorization"),
        (403, "operator_only", "authorization"),
        (401, "personal_query_requires_signature", "authorization"),
        (401, "console_session_invalid", "authorization"),
        (413, "payload_too_large", "body"),
    ]
    assert written(aws) == items


def written(aws: object) -> list[list[str]]:
    """What the tables hold but a signature's spent id and the rate counters: a refused
    caller still uses those up (a replay or a flood is refused the same way)."""
    return [[i for i in table if "'nonce#" not in i and "'rate#" not in i] for table in stored(aws)]


# --- query parameters -------------------------------------------------------------------------


def refused_query(gateway: Gateway, method: str, target: str) -> tuple[int, str, str]:
    reply = send(gateway, method, target)
    return reply.status_code, error(reply)["code"], error(reply)["path"]


def test_a_subscriber_filter_must_be_a_region_code(gateway: Gateway) -> None:
    gateway.register_platform(HUBEI)
    gateway.put_region(HUNAN)
    agreement = signed_agreement(gateway)
    for bad in ("abc", "%00", "%EF%BC%94%EF%BC%93" + "0000"):
        assert refused_query(gateway, "GET", f"/v1/agreements?subscriber={bad}") == (
            400,
            "invalid_schema",
            "subscriber",
        )
    mine = gateway.client.http.get(f"/v1/agreements?subscriber={agreement['subscriber_region']}")
    assert [a["agreement_id"] for a in mine.json_body["agreements"]] == [agreement["agreement_id"]]


@pytest.mark.parametrize("query", ["limit=abc&limit=1", "limit=1&limit=abc", "limit=1&limit=1"])
def test_a_parameter_given_twice_is_refused(gateway: Gateway, query: str) -> None:
    assert refused_query(gateway, "GET", f"/v1/log?{query}") == (400, "repeated_parameter", "limit")


def test_a_parameter_the_route_does_not_declare_is_refused_before_it_acts(
    gateway: Gateway, aws: object
) -> None:
    items = stored(aws)
    assert refused_query(gateway, "GET", "/v1/log?unknown=1") == (
        400,
        "unknown_parameter",
        "unknown",
    )
    assert refused_query(gateway, "POST", "/v1/log/checkpoints?force=1") == (
        400,
        "unknown_parameter",
        "force",
    )
    assert stored(aws) == items  # no checkpoint written
    assert send(gateway, "GET", "/v1/log?limit=1").status_code == 200  # declared ones work
    assert refused_query(gateway, "GET", "/v1/log?=1") == (400, "unknown_parameter", "query")


def test_a_path_parameter_longer_than_any_id_is_refused_by_name(gateway: Gateway) -> None:
    """Refused before any table is asked: DynamoDB answers a key over 2 KB with an error."""
    long_id = "k" * 3000
    reply = send(gateway, "DELETE", f"/v1/regions/430000/keys/{long_id}")
    assert (reply.status_code, error(reply)["code"], error(reply)["path"]) == (
        400,
        "bad_request",
        "key_id",
    )


def test_a_page_a_browser_loads_takes_any_query(gateway: Gateway) -> None:
    for page in ("/console?again", "/v1/docs?utm_source=x&utm_source=y"):
        assert gateway.client.http.get(page).status_code == 200, page


def test_every_declared_parameter_is_taken(gateway: Gateway) -> None:
    """What a route reads is what it declares: none of its own parameters is refused as
    unknown (a value may still be refused, by the route, for what it is)."""
    for op in OPERATIONS:
        if not op.query:
            continue
        target = op.path.replace("{", "").replace("}", "")
        target += "?" + "&".join(f"{p.name}=1" for p in op.query)
        reply = send(gateway, op.method, target)
        assert reply.status_code != 400 or error(reply)["code"] != "unknown_parameter", op.path


def test_statistics_take_an_ascii_month_not_after_this_one(gateway: Gateway, aws: object) -> None:
    signer = gateway.register_platform(HUBEI)
    gateway.push(signer, HUBEI, [black_entry()])
    this_month = china_date(datetime.now(UTC)).isoformat()[:7]
    stats = f"/v1/stats?region={HUBEI}&month="
    before = send(gateway, "GET", stats + this_month).json_body["pushes"]
    items = stored(aws)

    wide = "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-12"  # ２０２６-12
    assert refused_query(gateway, "GET", stats + wide) == (400, "invalid_schema", "month")
    assert refused_query(gateway, "GET", stats + "2099-01") == (400, "future_month", "month")
    assert refused_query(gateway, "POST", "/v1/stats/rebuild?since=2099-01") == (
        400,
        "future_month",
        "since",
    )
    assert stored(aws) == items  # no rebuild run started, no counter touched
    assert before["batches"] == 1
    assert send(gateway, "GET", stats + this_month).json_body["pushes"] == before


@pytest.mark.parametrize("query", ["region=000000&month=2026-11", "region=420000&month=2099-01"])
def test_statistics_ask_who_asks_before_what_is_asked(gateway: Gateway, query: str) -> None:
    """An anonymous caller is refused as anonymous whatever it asks (review 177): a malformed
    parameter is the signed caller's 400."""
    reply = gateway.client.http.get(f"/v1/stats?{query}")

    assert (reply.status_code, error(reply)["code"]) == (401, "missing_signature")
