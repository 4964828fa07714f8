"""Turning the gateway's SM2 signing on and off, and what older receivers read meanwhile: with
it off, ``/v1/keys`` and the checkpoints are what they were before SM2 existed; a ``v1sm2``
subscription's deliveries wait (parked, ``unsigned``) instead of failing the queue, and its
owner moves it to ``v1a`` to have them sent. Refusals write nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from app_support import CITY, HUNAN, Gateway, black_entry, error_code, new_batch_id, push_body
from delivery_support import subscribe
from lifecycle_support import fan_out_and_deliver, listings_stream

from gateway_client.contract import MAX_SIGNATURES, PublishedKey, Sm2PrivateKey
from gateway_client.push_client import signed_headers
from gateway_client.receiver import verify_delivery

KEY_FIELDS = {"key_id", "algorithm", "public_key", "valid_from", "valid_until", "status"}
# without SM2 keys: no sm2_* fields (the salting cut-over is an extension line of every one)
CHECKPOINT_FIELDS = {"origin", "sequence", "root", "at", "key_id", "signature", "note"}
CHECKPOINT_FIELDS |= {"extensions"}


def operator(gateway: Gateway, method: str, path: str, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.request(method, path, headers=gateway.operator(), body=raw)


def test_without_sm2_keys_and_checkpoints_carry_no_sm2_fields(gateway, aws):
    city = gateway.register_platform(CITY)
    stream = listings_stream(aws)
    assert gateway.push(city, CITY, [black_entry()]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)

    keys = gateway.client.http.get("/v1/keys").json_body["keys"]
    published = gateway.client.http.get("/v1/log/checkpoints").json_body["checkpoints"][-1]

    assert [set(key) for key in keys] == [KEY_FIELDS]
    assert set(published) == CHECKPOINT_FIELDS


def test_a_header_with_more_signatures_than_anyone_sends_is_refused_before_any_curve_work(
    gateway,
):
    city = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    body = push_body(CITY, batch_id, [black_entry()])
    headers = signed_headers(city, batch_id, body, datetime.now(UTC))
    junk = " ".join(["v1sm2," + "A" * 86 + "=="] * MAX_SIGNATURES)
    headers["webhook-signature"] = f"{junk} {headers['webhook-signature']}"

    refused = gateway.client.http.post("/v1/pushes", headers=headers, body=body)

    assert (refused.status_code, error_code(refused)) == (401, "invalid_signature")
    assert "at most 4 signatures" in refused.json_body["error"]["message"]
    found = gateway.client.http.get(f"/v1/subjects/{black_entry()['credit_code']}")
    assert found.json_body.get("listings", []) == []


def test_a_v1sm2_subscriptions_deliveries_wait_while_sm2_is_off_and_go_once_moved_to_v1a(
    gateway, aws, receiver
):
    gateway.configure(sm2_signing="true")
    city = gateway.register_platform(CITY)
    gateway.put_region(HUNAN)
    created = subscribe(gateway, receiver.url, signature_scheme="v1sm2")
    path = f"/v1/subscriptions/{created['subscription_id']}"
    gateway.configure(sm2_signing=None)
    stream = listings_stream(aws)

    assert gateway.push(city, CITY, [black_entry()]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)  # asserts no batch item failed
    waiting = gateway.client.http.get(f"{path}/deliveries", headers=gateway.operator())
    moved_url = operator(gateway, "PATCH", path, {"url": receiver.url + "/elsewhere"})
    tested = operator(gateway, "POST", f"{path}/test", {})
    to_v1 = operator(gateway, "PATCH", path, {"signature_scheme": "v1"})
    to_v1a = operator(gateway, "PATCH", path, {"signature_scheme": "v1a"})

    assert receiver.requests == []
    [parked] = waiting.json_body["deliveries"]
    assert (parked["state"], parked["attempts"][-1]["not_sent"]) == ("dead", "unsigned")
    assert (moved_url.status_code, error_code(moved_url)) == (400, "sm2_not_offered")
    assert (tested.status_code, error_code(tested)) == (400, "sm2_not_offered")
    assert to_v1.status_code == 400, to_v1.json_body
    assert to_v1a.status_code == 200, to_v1a.json_body
    assert to_v1a.json_body["redriven"] == 1
    stored = gateway.client.http.get(path, headers=gateway.operator()).json_body
    assert (stored["url"], stored["signature_scheme"]) == (receiver.url, "v1a")

    fan_out_and_deliver(aws, stream)
    [delivered] = receiver.requests
    assert delivered.headers["webhook-signature"].startswith("v1a,")
    listed = gateway.client.http.get("/v1/keys").json_body["keys"]
    keys = [PublishedKey.model_validate(k) for k in listed]
    verify_delivery(
        delivered.headers,
        delivered.body,
        datetime.now(UTC),
        subscription_id=created["subscription_id"],
        region=HUNAN,
        public_keys=keys,
    )


def test_a_retried_v1sm2_creation_answers_with_what_it_created_after_sm2_is_off(gateway, receiver):
    gateway.configure(sm2_signing="true")
    province = gateway.register_platform(HUNAN)
    body = json.dumps({"region": HUNAN, "url": receiver.url, "signature_scheme": "v1sm2"}).encode()
    msg_id = f"m-{uuid.uuid4().hex}"
    first = gateway.post_signed("/v1/subscriptions", province, msg_id, body)
    gateway.configure(sm2_signing=None)

    again = gateway.post_signed("/v1/subscriptions", province, msg_id, body)

    assert first.status_code == 201, first.json_body
    assert again.status_code == 200, again.json_body
    assert again.json_body["subscription_id"] == first.json_body["subscription_id"]


def test_an_sm2_user_id_is_one_line_and_the_default_spelled_out_is_the_default(gateway):
    gateway.put_region(CITY)
    key = {"algorithm": "sm2", "public_key": Sm2PrivateKey.generate().public_key.text()}
    for user_id in ("清远\u202e平台", "清远\n平台", " 清远", "清远 ", "\u200b"):
        odd = {**key, "key_id": "k-x", "user_id": user_id}
        refused = operator(gateway, "POST", f"/v1/regions/{CITY}/keys", odd)
        assert refused.status_code == 400, (user_id, refused.json_body)
    keys = f"/v1/regions/{CITY}/keys"
    plain = operator(gateway, "POST", keys, {**key, "key_id": "k-1"})
    spelled = operator(
        gateway, "POST", keys, {**key, "key_id": "k-1", "user_id": "1234567812345678"}
    )
    listed = gateway.client.http.get(f"/v1/regions/{CITY}/keys", headers=gateway.operator())

    assert plain.status_code == 201
    assert spelled.status_code == 200, spelled.json_body
    assert [k["key_id"] for k in listed.json_body["keys"]] == ["k-1"]
