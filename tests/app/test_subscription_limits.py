"""How many subscriptions a region may hold, and create a minute: past either, a creation is
refused with its stable code and nothing is stored, whoever asks; a retried creation still finds
the subscription it made, and another region is not held back by this one's."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app_support import GUANGDONG, HUNAN, Gateway, refusal
from delivery_support import as_operator, signed

from gateway_client.contract import Ed25519Signer

_URL = "https://credit.hunan.example.cn/hooks/gateway/{}"


def creation(region: str, n: int) -> bytes:
    return json.dumps({"region": region, "url": _URL.format(n)}).encode()


def create(
    gateway: Gateway, signer: Ed25519Signer, region: str, n: int, msg_id: str | None = None
) -> Any:
    msg_id = msg_id or f"sub-{uuid.uuid4().hex}"
    return gateway.post_signed("/v1/subscriptions", signer, msg_id, creation(region, n))


def held(gateway: Gateway, region: str) -> list[str]:
    listed = as_operator(gateway, "get", f"/v1/subscriptions?region={region}").json_body
    return [s["url"] for s in listed["subscriptions"]]


def test_a_region_holding_its_limit_gets_no_more_and_nothing_is_stored(gateway: Gateway) -> None:
    gateway.configure(subscriptions_per_region="2")
    hunan = gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    first = create(gateway, hunan, HUNAN, 1, msg_id="sub-first")
    assert [first.status_code, create(gateway, hunan, HUNAN, 2).status_code] == [201, 201]

    over = create(gateway, hunan, HUNAN, 3)
    by_operator = gateway.subscribe_as_operator(region=HUNAN, url=_URL.format(4))
    retried = create(gateway, hunan, HUNAN, 1, msg_id="sub-first")  # the same request again

    assert refusal(over) == (409, "subscription_limit_reached", "region")
    assert refusal(by_operator) == (409, "subscription_limit_reached", "region")
    assert retried.status_code == 200
    assert retried.json_body["subscription_id"] == first.json_body["subscription_id"]
    assert held(gateway, HUNAN) == [_URL.format(1), _URL.format(2)]
    assert create(gateway, guangdong, GUANGDONG, 5).status_code == 201  # its own count

    sid = first.json_body["subscription_id"]
    assert signed(gateway, hunan, "delete", f"/v1/subscriptions/{sid}").status_code == 200
    assert create(gateway, hunan, HUNAN, 6).status_code == 201  # room again
    assert held(gateway, HUNAN) == [_URL.format(2), _URL.format(6)]


def test_creations_over_the_limit_a_minute_are_refused_and_store_nothing(gateway: Gateway) -> None:
    """Only a creation that is made counts: one refused by a check, or a retried one, does
    not; a DELETE does not give the count back (or DELETE and POST would change terms
    uncounted)."""
    gateway.configure(subscription_creations_per_minute="2")
    hunan = gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    insecure = json.dumps({"region": HUNAN, "url": "http://credit.hunan.example.cn/x"}).encode()
    refused = gateway.post_signed("/v1/subscriptions", hunan, "sub-insecure", insecure)
    first = create(gateway, hunan, HUNAN, 1, msg_id="sub-first")
    retried = create(gateway, hunan, HUNAN, 1, msg_id="sub-first")
    sid = first.json_body["subscription_id"]
    deleted = signed(gateway, hunan, "delete", f"/v1/subscriptions/{sid}")
    second = create(gateway, hunan, HUNAN, 2)

    over = create(gateway, hunan, HUNAN, 3)
    by_operator = gateway.subscribe_as_operator(region=HUNAN, url=_URL.format(4))

    assert refused.status_code == 400, refused.json_body
    assert [first.status_code, retried.status_code] == [201, 200]
    assert [deleted.status_code, second.status_code] == [200, 201]
    assert refusal(over)[:2] == (429, "rate_limited")
    assert int(over.headers["Retry-After"]) >= 1
    assert refusal(by_operator)[:2] == (429, "rate_limited")
    assert held(gateway, HUNAN) == [_URL.format(2)]
    assert create(gateway, guangdong, GUANGDONG, 5).status_code == 201  # its own budget
