"""The operator's creations retried under one ``Idempotency-Key`` make nothing twice: a second
subscription would deliver every change twice, a second agreement go on recognising after the
first is ended (review 188). The same key with another request is 409 at the key; a malformed
key is 400 there; nothing is written by either."""

from __future__ import annotations

import json
from typing import Any

from app_support import (
    CITY,
    HUBEI,
    HUNAN,
    Gateway,
    StreamReader,
    agreement_terms,
    black_entry,
    end_agreement,
    refusal,
)
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    as_platform,
    push_and_fan_out,
)

KEY = {"Idempotency-Key": "retry-0123456789"}


def _post(gateway: Gateway, path: str, body: dict[str, Any], key: dict[str, str] = KEY) -> Any:
    headers = {**gateway.operator(), **key, "content-type": "application/json"}
    return gateway.client.http.post(path, body=json.dumps(body).encode(), headers=headers)


def _count(gateway: Gateway, path: str, name: str) -> int:
    return len(gateway.client.http.get(path, headers=gateway.operator()).json_body[name])


def test_a_subscription_retried_under_its_key_is_made_once(gateway: Gateway) -> None:
    gateway.put_region(HUNAN)
    body = {"region": HUNAN, "url": "https://credit.hunan.example.cn/hooks"}

    first = _post(gateway, "/v1/subscriptions", body)
    again = _post(gateway, "/v1/subscriptions", body)
    other = _post(gateway, "/v1/subscriptions", {**body, "url": "https://other.example.cn/h"})
    malformed = _post(gateway, "/v1/subscriptions", body, {"Idempotency-Key": "short"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json_body["subscription_id"] == again.json_body["subscription_id"]
    assert "secret" not in again.json_body
    assert refusal(other) == (409, "conflict", "idempotency-key")
    assert refusal(malformed) == (400, "bad_request", "idempotency-key")
    assert _count(gateway, f"/v1/subscriptions?region={HUNAN}", "subscriptions") == 1


def test_an_agreement_retried_under_its_key_is_signed_once(gateway: Gateway) -> None:
    gateway.put_region(HUNAN)
    gateway.put_region(HUBEI)
    terms = agreement_terms()

    first = _post(gateway, "/v1/agreements", terms)
    again = _post(gateway, "/v1/agreements", terms)
    other = _post(gateway, "/v1/agreements", {**terms, "title": "另一份协议"})
    unkeyed = _post(gateway, "/v1/agreements", terms, {})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json_body["agreement"] == again.json_body["agreement"]
    assert again.json_body["reevaluation"] is None
    assert refusal(other) == (409, "conflict", "idempotency-key")
    assert unkeyed.status_code == 201  # without a key, each request signs another
    assert _count(gateway, "/v1/agreements", "agreements") == 2


def test_a_key_reused_after_its_subscription_was_deleted_revives_nothing(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    """A deleted subscription's id never lives again: the same key for its region is 409 at
    the key; for another region it makes another id, which reads none of the deleted one's
    deliveries (review 189: the id came back, for any region, with its history)."""
    city = gateway.register_platform(CITY)
    gateway.register_platform(HUNAN)
    hubei = gateway.register_platform(HUBEI)
    first = _post(gateway, "/v1/subscriptions", {"region": HUNAN, "url": hook.url})
    old = first.json_body["subscription_id"]
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    assert as_operator(gateway, "delete", f"/v1/subscriptions/{old}").status_code == 200

    same = _post(gateway, "/v1/subscriptions", {"region": HUNAN, "url": hook.url})
    other = _post(gateway, "/v1/subscriptions", {"region": HUBEI, "url": hook.url})

    assert refusal(same) == (409, "conflict", "idempotency-key")
    new = other.json_body["subscription_id"]
    assert (other.status_code, new != old) == (201, True)
    read = as_platform(gateway, hubei, "GET", f"/v1/subscriptions/{new}/deliveries")
    assert read.json_body["deliveries"] == []


def test_an_agreement_retried_under_its_key_after_it_was_ended_answers_what_it_signed(
    gateway: Gateway,
) -> None:
    """Compared with the terms it was signed with, not with what ending it made of them."""
    gateway.put_region(HUNAN)
    gateway.put_region(HUBEI)
    terms = agreement_terms()
    made = _post(gateway, "/v1/agreements", terms).json_body["agreement"]["agreement_id"]
    assert end_agreement(gateway, made).status_code == 200

    again = _post(gateway, "/v1/agreements", terms)

    assert (again.status_code, again.json_body["agreement"]["agreement_id"]) == (200, made)
