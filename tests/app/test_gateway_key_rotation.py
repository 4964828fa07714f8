"""The gateway's own key rotates: ``GET /v1/keys`` lists the current key and the ones the
operator publishes (``CG_PUBLISHED_KEYS``); deliveries are signed with the current one, and a
receiver accepts a previous key's deliveries while it is listed, not after it is retired."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, Received, black_entry
from delivery_support import subscribe
from lifecycle_support import fan_out_and_deliver, listings_stream
from pydantic import TypeAdapter

from gateway_client.contract.errors import VerificationError
from gateway_client.contract.keys import PublishedKey
from gateway_client.contract.signing import generate_signing_key
from gateway_client.receiver import verify_delivery

KEYS = TypeAdapter(list[PublishedKey])
UNTIL = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=30)


def rotate(gateway: Gateway, published: list[dict[str, Any]]) -> None:
    """Switch to a new signing key ``gw-test-2``, publishing ``published`` besides it."""
    gateway.configure(
        signing_key=generate_signing_key(),
        signing_key_id="gw-test-2",
        published_keys=json.dumps(published),
    )


def previous(gateway: Gateway) -> dict[str, Any]:
    """The fixture's first key (gw-test-1), listed as previous until ``UNTIL``."""
    return {"key_id": "gw-test-1", "public_key": gateway.public_key, "valid_until": str(UNTIL)}


def listed_keys(gateway: Gateway) -> list[PublishedKey]:
    response = gateway.client.http.get("/v1/keys")
    assert response.status_code == 200
    return KEYS.validate_python(response.json_body["keys"])


def check(request: Received, subscription_id: str, keys: list[PublishedKey]) -> None:
    verify_delivery(
        request.headers,
        request.body,
        datetime.now(UTC),
        subscription_id=subscription_id,
        region=HUNAN,
        public_keys=keys,
    )


def test_keys_lists_the_current_key_and_the_previous_one_until_it_is_retired(gateway):
    rotate(gateway, [previous(gateway)])

    keys = listed_keys(gateway)

    assert [(k.key_id, k.status, k.valid_until) for k in keys] == [
        ("gw-test-2", "current", None),
        ("gw-test-1", "previous", UNTIL),
    ]
    assert keys[1].public_key == gateway.public_key
    assert gateway.client.http.get("/v1/keys").headers["Cache-Control"] == "max-age=300"


def test_a_delivery_signed_by_the_previous_key_verifies_while_listed_and_not_once_retired(
    gateway, aws, receiver
):
    signer = gateway.register_platform(CITY)
    gateway.put_region(HUNAN)
    subscription_id = subscribe(gateway, receiver.url)["subscription_id"]
    stream = listings_stream(aws)
    assert gateway.push(signer, CITY, [black_entry()]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)
    [by_old] = receiver.requests

    rotate(gateway, [previous(gateway)])
    second = black_entry(decision_number="(2024)黑09执124号")
    assert gateway.push(signer, CITY, [second]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)
    [by_new] = receiver.requests[1:]
    keys = listed_keys(gateway)

    assert (by_old.headers["x-credit-key-id"], by_new.headers["x-credit-key-id"]) == (
        "gw-test-1",
        "gw-test-2",
    )
    check(by_old, subscription_id, keys)
    check(by_new, subscription_id, keys)

    gateway.configure(published_keys="[]")  # retired after the longest retry window
    retired = listed_keys(gateway)
    assert [k.key_id for k in retired] == ["gw-test-2"]
    check(by_new, subscription_id, retired)
    with pytest.raises(VerificationError):
        check(by_old, subscription_id, retired)
