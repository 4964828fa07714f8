"""POST /v1/subscriptions: operators subscribe any region, platforms (signed) only their own."""

from __future__ import annotations

import json

from app_support import CITY, HUNAN, error_code


def subscription_body(region: str, url: str, **extra: object) -> bytes:
    return json.dumps({"region": region, "url": url, **extra}).encode()


def test_an_operator_creates_a_subscription_for_a_registered_region(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(
        region=HUNAN, url="https://credit.hunan.example.cn/hooks", filters={"kinds": ["black"]}
    )

    assert response.status_code == 201
    created = response.json_body
    assert created["subscription_id"].startswith("sub_")
    assert created["region"] == HUNAN
    assert created["enabled"] is True
    assert created["signature_scheme"] == "v1a"
    assert created["secret"] is None
    assert created["filters"]["kinds"] == ["black"]


def test_an_operator_cannot_subscribe_an_unregistered_region(gateway):
    response = gateway.subscribe_as_operator(region=HUNAN, url="https://credit.example.cn/hooks")

    assert response.status_code == 403
    assert error_code(response) == "unknown_region"


def test_the_operator_listing_an_unregistered_region_s_subscriptions_is_told_so(gateway):
    """Not an empty list, which reads as "it subscribes to nothing" (review 188)."""
    response = gateway.client.http.get(
        f"/v1/subscriptions?region={HUNAN}", headers=gateway.operator()
    )

    assert (response.status_code, error_code(response)) == (404, "not_found")
    assert response.json_body["error"]["path"] == "region"
    gateway.put_region(HUNAN)
    listed = gateway.client.http.get(
        f"/v1/subscriptions?region={HUNAN}", headers=gateway.operator()
    )
    assert (listed.status_code, listed.json_body["subscriptions"]) == (200, [])


def test_a_platform_subscribes_its_own_region_and_a_retry_returns_the_same_subscription(
    gateway, aws
):
    signer = gateway.register_platform(CITY)
    body = subscription_body(CITY, "https://credit.qth.example.cn/hooks")

    first = gateway.post_signed("/v1/subscriptions", signer, "msg-sub-1", body)
    retry = gateway.post_signed("/v1/subscriptions", signer, "msg-sub-1", body)

    assert first.status_code == 201
    assert first.json_body["region"] == CITY
    assert retry.status_code == 200
    assert retry.json_body["subscription_id"] == first.json_body["subscription_id"]
    stored = aws.dynamodb.scan(TableName=aws.env["CG_SUBSCRIPTIONS_TABLE"])["Items"]
    assert len(stored) == 1


def test_a_retry_after_a_change_returns_the_subscription_and_other_content_is_refused(gateway):
    """Review 47b F6: a retry was compared with the subscription as it is now, so one changed
    since (a PATCH) answered the very request that created it 409."""
    signer = gateway.register_platform(CITY)
    body = subscription_body(CITY, "https://credit.qth.example.cn/hooks")
    first = gateway.post_signed("/v1/subscriptions", signer, "msg-sub-1", body)
    sid = first.json_body["subscription_id"]
    patch = json.dumps({"description": "改个说明"}).encode()
    assert (
        gateway.send_signed("PATCH", f"/v1/subscriptions/{sid}", signer, patch).status_code == 200
    )

    retry = gateway.post_signed("/v1/subscriptions", signer, "msg-sub-1", body)
    other = subscription_body(CITY, "https://credit.qth.example.cn/other")
    reused = gateway.post_signed("/v1/subscriptions", signer, "msg-sub-1", other)

    assert (retry.status_code, retry.json_body["subscription_id"]) == (200, sid)
    assert retry.json_body["description"] == "改个说明"
    assert "created_as" not in retry.json_body
    assert (reused.status_code, reused.json_body["error"]["path"]) == (409, "webhook-id")


def test_a_platform_with_a_new_webhook_id_gets_a_new_subscription(gateway):
    signer = gateway.register_platform(CITY)
    body = subscription_body(CITY, "https://credit.qth.example.cn/hooks")

    first = gateway.post_signed("/v1/subscriptions", signer, "msg-sub-1", body)
    second = gateway.post_signed("/v1/subscriptions", signer, "msg-sub-2", body)

    assert second.status_code == 201
    assert second.json_body["subscription_id"] != first.json_body["subscription_id"]


def test_a_platform_cannot_subscribe_a_foreign_region(gateway):
    city = gateway.register_platform(CITY)
    gateway.register_platform(HUNAN)
    body = subscription_body(HUNAN, "https://credit.hunan.example.cn/hooks")

    response = gateway.post_signed("/v1/subscriptions", city, "msg-sub-1", body)

    assert response.status_code == 403
    assert error_code(response) == "region_mismatch"


def test_an_unsigned_request_without_the_operator_token_is_unauthorised(gateway):
    gateway.put_region(CITY)

    response = gateway.client.http.post(
        "/v1/subscriptions",
        headers={"content-type": "application/json"},
        body=subscription_body(CITY, "https://credit.qth.example.cn/hooks"),
    )

    assert response.status_code == 401
    assert error_code(response) == "missing_signature"


def test_plain_http_to_a_non_loopback_host_is_refused_even_locally(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(region=HUNAN, url="http://credit.example.cn/hooks")

    assert response.status_code == 400
    assert error_code(response) == "invalid_webhook_url"


def test_https_to_a_private_address_is_refused(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(region=HUNAN, url="https://10.1.2.3/hooks")

    assert response.status_code == 400
    assert error_code(response) == "invalid_webhook_url"


def test_plain_http_to_loopback_is_allowed_in_the_local_stage(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(region=HUNAN, url="http://127.0.0.1:8999/hook")

    assert response.status_code == 201


def test_plain_http_to_loopback_is_refused_outside_the_local_stage(gateway):
    gateway.configure(stage="prod", identity_key="a-deployment-identity-secret")
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(region=HUNAN, url="http://127.0.0.1:8999/hook")

    assert response.status_code == 400
    assert error_code(response) == "invalid_webhook_url"


def test_loopback_written_in_shorthand_or_decimal_is_refused_outside_the_local_stage(gateway):
    """127.1 and 2130706433 both connect to 127.0.0.1; a prod gateway must not call them."""
    gateway.configure(stage="prod", identity_key="a-deployment-identity-secret")
    gateway.put_region(HUNAN)

    statuses = {
        url: gateway.subscribe_as_operator(region=HUNAN, url=url).status_code
        for url in ("https://127.1/hook", "https://2130706433/hook", "https://0x7f000001/hook")
    }

    assert statuses == dict.fromkeys(statuses, 400)


def test_a_v1_subscription_gets_a_whsec_secret(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(
        region=HUNAN, url="https://credit.hunan.example.cn/hooks", signature_scheme="v1"
    )

    assert response.status_code == 201
    assert response.json_body["signature_scheme"] == "v1"
    assert response.json_body["secret"].startswith("whsec_")


def test_an_unknown_field_in_the_request_is_a_schema_error(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(
        region=HUNAN, url="https://credit.hunan.example.cn/hooks", colour="red"
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"
    assert response.json_body["error"]["path"] == "colour"
