"""The operator's creations retried under one ``Idempotency-Key`` make nothing twice: a second
subscription would deliver every change twice, a second agreement go on recognising after the
first is ended (review 188). The same key with another request is 409 at the key; a malformed
key is 400 there; nothing is written by either."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
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

from chalicelib import subscriptions_api
from chalicelib.bootstrap import container
from chalicelib.dynamodb import subscriptions as subscriptions_module

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


def test_a_key_reused_after_the_region_s_kept_deleted_ids_are_full_revives_nothing(
    gateway: Gateway, hook: AnsweringReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the deleted ids a region keeps for its objections, a deletion still leaves its mark
    at the id, so neither a retry nor a try in flight makes it again (review 190 F3)."""
    monkeypatch.setattr(subscriptions_module, "RETIRED_KEPT", 1)
    gateway.put_region(HUNAN)
    body = {"region": HUNAN, "url": hook.url}
    keys = [{"Idempotency-Key": f"retry-{n}-0123456789"} for n in range(2)]

    def made_and_deleted(key: dict[str, str]) -> str:
        sid = str(_post(gateway, "/v1/subscriptions", body, key).json_body["subscription_id"])
        assert as_operator(gateway, "delete", f"/v1/subscriptions/{sid}").status_code == 200
        return sid

    kept, past = made_and_deleted(keys[0]), made_and_deleted(keys[1])
    late = _meanwhile(monkeypatch, lambda: made_and_deleted(KEY))
    in_flight = _post(gateway, "/v1/subscriptions", body)
    again = _post(gateway, "/v1/subscriptions", body, keys[1])

    assert container().subscriptions.retired(HUNAN) == {kept}
    assert refusal(again) == (409, "conflict", "idempotency-key")
    assert refusal(in_flight) == (409, "conflict", "idempotency-key")
    assert container().subscriptions.get(past) is None
    assert _count(gateway, f"/v1/subscriptions?region={HUNAN}", "subscriptions") == 0
    assert late


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


def test_two_tries_in_flight_under_one_key_make_one_subscription_and_one_secret(
    gateway: Gateway, hook: AnsweringReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry runs to its end while the first try is still in flight (the case the key is
    for): one subscription, one secret, the other try answered with it (review 190: two 201s
    with two secrets, one of which signed nothing)."""
    gateway.put_region(HUNAN)
    body = {"region": HUNAN, "url": hook.url, "signature_scheme": "v1"}
    retries = _meanwhile(monkeypatch, lambda: _post(gateway, "/v1/subscriptions", body))

    first = _post(gateway, "/v1/subscriptions", body)

    [retry] = retries
    made = [r for r in (first, retry) if r.status_code == 201]
    stored = container().subscriptions.get(first.json_body["subscription_id"])
    assert sorted([first.status_code, retry.status_code]) == [200, 201]
    assert stored is not None
    assert [r.json_body["secret"] for r in made] == [stored.secret]


def test_a_try_in_flight_across_the_delete_revives_nothing(
    gateway: Gateway, hook: AnsweringReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its checks passed before the first try's subscription was made and deleted: the late
    write is refused at the key, the deleted id not made again (review 190)."""
    gateway.put_region(HUNAN)
    body = {"region": HUNAN, "url": hook.url}

    def made_and_deleted() -> str:
        sid = str(_post(gateway, "/v1/subscriptions", body).json_body["subscription_id"])
        assert as_operator(gateway, "delete", f"/v1/subscriptions/{sid}").status_code == 200
        return sid

    deleted = _meanwhile(monkeypatch, made_and_deleted)
    late = _post(gateway, "/v1/subscriptions", body)

    assert refusal(late) == (409, "conflict", "idempotency-key")
    assert _count(gateway, f"/v1/subscriptions?region={HUNAN}", "subscriptions") == 0
    assert deleted


def test_a_platform_s_webhook_id_sent_again_after_its_replay_record_expired_revives_nothing(
    gateway: Gateway, aws: Any, hook: AnsweringReceiver
) -> None:
    """A platform's webhook-id is its creation's key: once its single-use record expired, the
    same id re-signed must not bring the deleted subscription back (review 190)."""
    hunan = gateway.register_platform(HUNAN)
    body = json.dumps({"region": HUNAN, "url": hook.url}).encode()
    made = gateway.send_signed("POST", "/v1/subscriptions", hunan, body, msg_id="msg-sub-0001")
    sid = made.json_body["subscription_id"]
    assert gateway.send_signed("DELETE", f"/v1/subscriptions/{sid}", hunan).status_code == 200
    table = aws.env["CG_BATCHES_TABLE"]
    for item in aws.dynamodb.scan(TableName=table)["Items"]:  # its record's TTL ran out
        if item["pk"]["S"].startswith("nonce#") and item["pk"]["S"].endswith("#msg-sub-0001"):
            key = {k: item[k] for k in ("pk", "sk") if k in item}
            aws.dynamodb.delete_item(TableName=table, Key=key)

    again = gateway.send_signed("POST", "/v1/subscriptions", hunan, body, msg_id="msg-sub-0001")

    assert refusal(again) == (409, "conflict", "webhook-id")


def _meanwhile(monkeypatch: pytest.MonkeyPatch, act: Callable[[], Any]) -> list[Any]:
    """``act`` run once, as the first creation passes its checks (the rate limit's call), its
    result kept: another request in flight at that moment."""
    real, done = subscriptions_api._admit, []

    def admit(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(None)  # before ``act``: its own request passes here too
            done[0] = act()
        return real(*args, **kwargs)

    monkeypatch.setattr(subscriptions_api, "_admit", admit)
    return done
