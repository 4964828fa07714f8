"""A signed request other than a push is bound to what it does — method, path, query and
body — and is accepted once: its headers are worthless for anything else, or a second time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    Gateway,
    Receiver,
    black_entry,
    error_code,
    platform_headers,
)
from chalice.app import Request
from chalice.local import LambdaContext

import app as gateway_app
from chalicelib import bootstrap, caller
from gateway.delivery.subscription import Subscription
from gateway_client.contract.signing import Ed25519Signer

GONE = "the endpoint answered 410 Gone"


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(CITY)


def subscription_for(gateway: Gateway, url: str) -> str:
    """A subscription of the city's region (the city's platform owns it), made by the operator."""
    response = gateway.subscribe_as_operator(region=CITY, url=url)
    assert response.status_code == 201, response.json_body
    return str(response.json_body["subscription_id"])


def stored(subscription_id: str) -> Subscription:
    found = bootstrap.container().subscriptions.get(subscription_id)
    assert found is not None
    return found


def disable(subscription_id: str) -> None:
    off = stored(subscription_id).model_copy(update={"enabled": False, "disabled_reason": GONE})
    bootstrap.container().subscriptions.put(off)


def nonces(aws: Any) -> list[str]:
    items = aws.dynamodb.scan(TableName=aws.env["CG_BATCHES_TABLE"])["Items"]
    return [item["pk"]["S"] for item in items if item["pk"]["S"].startswith("nonce#")]


def test_the_headers_of_a_signed_read_replayed_for_an_enable_are_refused_and_change_nothing(
    gateway: Gateway, receiver: Receiver, city: Ed25519Signer
) -> None:
    sub = subscription_for(gateway, receiver.url)
    disable(sub)
    read = platform_headers(city, "GET", f"/v1/subscriptions/{sub}", b"")

    replayed = gateway.client.http.post(f"/v1/subscriptions/{sub}/enable", headers=read, body=b"")

    assert (replayed.status_code, error_code(replayed)) == (401, "invalid_signature")
    assert (stored(sub).enabled, stored(sub).disabled_reason) == (False, GONE)
    # Refused before its id was used up: the read it was signed for still goes through.
    assert gateway.client.http.get(f"/v1/subscriptions/{sub}", headers=read).status_code == 200


def test_the_same_request_sent_twice_is_refused_the_second_time_naming_webhook_id(
    gateway: Gateway, receiver: Receiver, city: Ed25519Signer
) -> None:
    sub = subscription_for(gateway, receiver.url)
    disable(sub)
    path = f"/v1/subscriptions/{sub}/enable"
    body = json.dumps({"redeliver_missed": False}).encode()
    headers = platform_headers(city, "POST", path, body)

    first = gateway.client.http.post(path, headers=headers, body=body)
    disable(sub)
    second = gateway.client.http.post(path, headers=headers, body=body)

    assert first.status_code == 200, first.json_body
    assert second.status_code == 409
    assert second.json_body["error"]["code"] == "request_replayed"
    assert second.json_body["error"]["header"] == "webhook-id"
    assert stored(sub).enabled is False


def test_a_signed_read_of_one_subscription_replayed_against_another_is_refused(
    gateway: Gateway, receiver: Receiver, city: Ed25519Signer
) -> None:
    mine = subscription_for(gateway, receiver.url)
    other = subscription_for(gateway, receiver.url + "/other")
    read_mine = platform_headers(city, "GET", f"/v1/subscriptions/{mine}", b"")

    replayed = gateway.client.http.get(f"/v1/subscriptions/{other}", headers=read_mine)

    assert (replayed.status_code, error_code(replayed)) == (401, "invalid_signature")
    assert "url" not in replayed.json_body


def test_a_signed_query_sent_with_another_query_value_is_refused(
    gateway: Gateway, receiver: Receiver, city: Ed25519Signer
) -> None:
    sub = subscription_for(gateway, receiver.url)
    signed = platform_headers(city, "GET", f"/v1/subscriptions/{sub}/deliveries?state=dead", b"")

    altered = gateway.client.http.get(
        f"/v1/subscriptions/{sub}/deliveries?state=delivered", headers=signed
    )
    honest = gateway.client.http.get(
        f"/v1/subscriptions/{sub}/deliveries?state=dead", headers=signed
    )

    assert (altered.status_code, error_code(altered)) == (401, "invalid_signature")
    assert (honest.status_code, honest.json_body) == (200, {"deliveries": [], "next": None})


def test_an_api_gateway_event_whose_path_holds_the_stage_verifies_like_a_local_request(
    gateway: Gateway, receiver: Receiver, city: Ed25519Signer
) -> None:
    """API Gateway puts the stage in ``requestContext.path`` and decodes the parameters; the
    gateway rebuilds the path from the route and its parameters, so neither matters."""
    sub = subscription_for(gateway, receiver.url)
    route = "/v1/subscriptions/{subscription_id}/deliveries"
    headers = platform_headers(city, "GET", f"/v1/subscriptions/{sub}/deliveries?state=dead", b"")
    event = {
        "resource": route,
        "path": f"/v1/subscriptions/{sub}/deliveries",
        "httpMethod": "GET",
        "requestContext": {
            "httpMethod": "GET",
            "resourcePath": route,
            "path": f"/api/v1/subscriptions/{sub}/deliveries",
            "stage": "api",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "headers": headers,
        "pathParameters": {"subscription_id": sub},
        "queryStringParameters": {"state": "dead"},
        "multiValueQueryStringParameters": {"state": ["dead"]},
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }

    reply = gateway_app.app(event, LambdaContext("api_handler", 256))

    assert (reply["statusCode"], json.loads(reply["body"])) == (
        200,
        {"deliveries": [], "next": None},
    )


def test_an_objection_signed_for_one_listing_sent_to_another_of_the_same_source_is_refused(
    gateway: Gateway, city: Ed25519Signer
) -> None:
    pushed = gateway.push(
        city, CITY, [black_entry(), black_entry(decision_number="(2024)黑09执9号")]
    )
    assert pushed.json_body["accepted"] == 2, pushed.json_body
    x, y = (o["listing_id"] for o in pushed.json_body["outcomes"])
    base = f"/v1/subjects/{CREDIT_CODE}/listings"
    body = json.dumps({"objection_id": "o-1", "reason": "异议"}, ensure_ascii=False).encode()
    for_x = platform_headers(city, "POST", f"{base}/{x}/objections", body)

    sent_to_y = gateway.client.http.post(f"{base}/{y}/objections", headers=for_x, body=body)

    assert (sent_to_y.status_code, error_code(sent_to_y)) == (401, "invalid_signature")
    held = {h.listing_id: h for h in bootstrap.container().listings.subject(CREDIT_CODE)}
    assert (held[x].objection, held[y].objection) == (None, None)


def test_a_request_is_authenticated_once_however_many_helpers_ask_who_signed_it(
    gateway: Gateway, aws: Any, city: Ed25519Signer
) -> None:
    path = f"/v1/subjects/{CREDIT_CODE}"
    headers = platform_headers(city, "GET", path, b"")
    request = Request(
        {
            "requestContext": {"httpMethod": "GET", "resourcePath": "/v1/subjects/{credit_code}"},
            "headers": {k.lower(): v for k, v in headers.items()},
            "pathParameters": {"credit_code": CREDIT_CODE},
            "multiValueQueryStringParameters": None,
            "stageVariables": None,
            "body": None,
        }
    )

    asked = [caller.signed_region(request), caller.operator_or_region(request)]
    asked.append(caller.authenticated(request).key.region)

    assert asked == [CITY, CITY, CITY]
    assert len(nonces(aws)) == 1


def test_a_signed_subscription_retry_gets_what_the_first_created_without_the_secret(
    gateway: Gateway, receiver: Receiver, city: Ed25519Signer
) -> None:
    body = json.dumps({"region": CITY, "url": receiver.url, "signature_scheme": "v1"}).encode()
    headers = platform_headers(city, "POST", "/v1/subscriptions", body)

    first = gateway.client.http.post("/v1/subscriptions", headers=headers, body=body)
    retry = gateway.client.http.post("/v1/subscriptions", headers=headers, body=body)

    assert first.status_code == 201, first.json_body
    assert first.json_body["secret"].startswith("whsec_")
    assert retry.status_code == 200, retry.json_body
    assert retry.json_body["subscription_id"] == first.json_body["subscription_id"]
    assert "secret" not in retry.json_body


def test_a_used_id_on_a_subscription_request_that_created_nothing_is_a_replay(
    gateway: Gateway, city: Ed25519Signer
) -> None:
    body = json.dumps({"region": "430000", "url": "https://credit.example.cn/hooks"}).encode()
    headers = platform_headers(city, "POST", "/v1/subscriptions", body)
    refused = gateway.client.http.post("/v1/subscriptions", headers=headers, body=body)
    own = json.dumps({"region": CITY, "url": "https://credit.example.cn/hooks"}).encode()
    again = {
        **headers,
        **platform_headers(city, "POST", "/v1/subscriptions", own, headers["webhook-id"]),
    }

    replayed = gateway.client.http.post("/v1/subscriptions", headers=again, body=own)

    assert (refused.status_code, error_code(refused)) == (403, "region_mismatch")
    assert (replayed.status_code, error_code(replayed)) == (409, "request_replayed")
