"""The request around the body's fields: a body where the route takes none, a Content-Type the
route does not read, a method or a path the gateway does not serve, query parameters it does
not declare or that come twice. Each is a 4xx in the gateway's error shape, with a stable
``code`` and the offending part in ``path``, and nothing changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from app_support import (
    CREDIT_CODE,
    HUBEI,
    HUNAN,
    OPERATOR_TOKEN,
    Gateway,
    Receiver,
    black_entry,
    consume,
    end_agreement,
    new_batch_id,
    platform_headers,
    push_body,
    signed_agreement,
    sqs_event,
)

from chalicelib.openapi import OPERATIONS
from gateway_client.contract.clock import china_date

GARBAGE = b'{"this is": [not json'
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}


def error(response: object) -> dict[str, object]:
    return dict(response.json_body["error"])  # type: ignore[attr-defined]


def stored(aws: object) -> list[object]:
    """Every item of every table: what a refusal must leave as it was."""
    dynamodb = aws.dynamodb  # type: ignore[attr-defined]
    tables = dynamodb.list_tables()["TableNames"]
    return [sorted(map(str, dynamodb.scan(TableName=t)["Items"])) for t in tables]


def send(gateway: Gateway, method: str, path: str, body: bytes = b"", **headers: str) -> object:
    return gateway.client.http.request(method, path, headers={**OPERATOR, **headers}, body=body)


# --- a body on a route that takes none -------------------------------------------------------

BODILESS = [op for op in OPERATIONS if op.body is None]


@pytest.mark.parametrize("op", BODILESS, ids=lambda op: f"{op.method} {op.path}")
def test_every_route_without_a_body_refuses_one_before_it_acts(
    gateway: Gateway, aws: object, op
) -> None:
    path = op.path.replace("{", "").replace("}", "")  # any value: the body is judged first
    items = stored(aws)
    broken = send(gateway, op.method, path, GARBAGE)
    assert broken.status_code == 400
    assert error(broken)["code"] == "malformed_json"
    extra = send(gateway, op.method, path, b'{"effective_until": "2099-01-01", "x": 1}')
    assert (extra.status_code, error(extra)["code"], error(extra)["path"]) == (
        400,
        "unexpected_body",
        "effective_until",
    )
    listed = send(gateway, op.method, path, b"[1]")
    assert (listed.status_code, error(listed)["path"]) == (400, "body")
    assert stored(aws) == items


def test_ending_an_agreement_with_a_body_changes_nothing(gateway: Gateway, aws: object) -> None:
    gateway.register_platform(HUBEI)
    gateway.put_region(HUNAN)
    agreement = signed_agreement(gateway)
    queue = aws.env["CG_REEVALUATION_QUEUE_URL"]  # type: ignore[attr-defined]
    consume(aws.sqs, queue, sqs_event(aws.sqs, queue, "cn-northwest-1"))  # type: ignore[attr-defined]
    path = f"/v1/agreements/{agreement['agreement_id']}"

    refused = send(gateway, "DELETE", path, b'{"effective_until": "2099-01-01"}')

    assert refused.status_code == 400
    assert error(refused) | {"message": ""} == {
        "code": "unexpected_body",
        "path": "effective_until",
        "message": "",
    }
    [stored] = gateway.client.http.get("/v1/agreements").json_body["agreements"]
    assert stored == agreement  # not ended, not revised
    assert sqs_event(aws.sqs, queue, "cn-northwest-1")["Records"] == []  # type: ignore[attr-defined]
    assert end_agreement(gateway, agreement["agreement_id"]).status_code == 200  # no body: ends


def test_an_empty_object_is_no_body(gateway: Gateway) -> None:
    signer = gateway.register_platform(HUBEI)
    path = f"/v1/regions/{HUBEI}/keys/{signer.key_id}"
    assert send(gateway, "DELETE", path, GARBAGE).status_code == 400
    keys = gateway.client.http.get(f"/v1/regions/{HUBEI}/keys", headers=OPERATOR).json_body
    assert [k["valid_until"] for k in keys["keys"]] == [None]  # not revoked
    assert send(gateway, "DELETE", path, b"{}").status_code == 200


def test_a_subscription_survives_a_delete_or_verify_with_a_body(
    gateway: Gateway, receiver: Receiver
) -> None:
    gateway.put_region(HUBEI)
    created = gateway.subscribe_as_operator(region=HUBEI, url=receiver.url).json_body
    path = f"/v1/subscriptions/{created['subscription_id']}"
    before = len(receiver.challenges) + len(receiver.requests)
    assert send(gateway, "POST", path + "/verify", GARBAGE).status_code == 400
    assert send(gateway, "DELETE", path, json.dumps({"hard": True}).encode()).status_code == 400
    assert len(receiver.challenges) + len(receiver.requests) == before  # no challenge sent
    kept = gateway.client.http.get(path, headers=OPERATOR)
    assert (kept.status_code, kept.json_body["state"]) == (200, created["state"])


# --- the media type, the method --------------------------------------------------------------

NOT_JSON = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
)


@pytest.mark.parametrize("media", NOT_JSON)
def test_a_push_not_sent_as_json_is_refused_and_stores_nothing(gateway: Gateway, media) -> None:
    signer = gateway.register_platform(HUBEI)
    batch_id = new_batch_id()
    body = push_body(HUBEI, batch_id, [black_entry()])
    headers = platform_headers(signer, "POST", "/v1/pushes", body, batch_id)
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}

    refused = gateway.client.http.post(
        "/v1/pushes", headers={**headers, "Content-Type": media}, body=body
    )

    assert refused.status_code == 415
    assert (error(refused)["code"], error(refused)["path"]) == (
        "unsupported_media_type",
        "content-type",
    )
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404  # none
    again = gateway.push(signer, HUBEI, [black_entry()], batch_id)  # the id was not used up
    assert (again.status_code, again.json_body["accepted"]) == (200, 1)


def test_a_region_sent_as_text_is_not_written(gateway: Gateway) -> None:
    refused = send(gateway, "PUT", f"/v1/regions/{HUNAN}", b'{"name": "x"}', **TEXT)
    assert (refused.status_code, error(refused)["code"]) == (415, "unsupported_media_type")
    regions = gateway.client.http.get("/v1/regions", headers=OPERATOR).json_body["regions"]
    assert HUNAN not in [r["code"] for r in regions]
    utf8 = {"Content-Type": "application/json; charset=UTF-8"}
    assert send(gateway, "PUT", f"/v1/regions/{HUNAN}", b'{"name": "x"}', **utf8).status_code == 200


def test_a_read_is_never_refused_for_its_content_type(gateway: Gateway) -> None:
    for media in (*NOT_JSON, "image/png"):
        keys = gateway.client.http.get("/v1/keys", headers={"Content-Type": media})
        assert keys.status_code == 200
        assert keys.json_body["keys"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("PATCH", f"/v1/regions/{HUBEI}", "PUT"), ("HEAD", "/v1/keys", "GET")],
)
def test_a_method_the_path_is_not_served_with_changes_nothing(
    gateway: Gateway, method: str, path: str, allowed: str
) -> None:
    gateway.put_region(HUBEI, name="湖北省")
    refused = send(gateway, method, path, b'{"name": "x"}')
    assert refused.status_code == 405
    assert error(refused) | {"message": ""} == {
        "code": "method_not_allowed",
        "path": "method",
        "allowed": [allowed],
        "message": "",
    }
    assert refused.headers["Allow"] == allowed
    regions = gateway.client.http.get("/v1/regions", headers=OPERATOR).json_body["regions"]
    assert [r["name"] for r in regions if r["code"] == HUBEI] == ["湖北省"]


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
