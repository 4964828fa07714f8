"""SM2 over HTTP: a platform registers an SM2 key and pushes and calls signed ``v1sm2``; the
gateway, once its operator turns SM2 signing on, lists its SM2 key, signs ``v1sm2``
subscriptions' deliveries and every checkpoint with it. Refusals leave nothing written."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    Gateway,
    black_entry,
    error_code,
    new_batch_id,
    push_body,
)
from delivery_support import subscribe
from lifecycle_support import fan_out_and_deliver, listings_stream

from gateway_client.cli.key_files import gateway_public_keys
from gateway_client.contract import (
    Checkpoint,
    PublishedKey,
    Sm2PrivateKey,
    Sm2Signer,
    checkpoint_sm2_verifies,
    sm2_usable_at,
)
from gateway_client.push_client import request_headers, signed_headers
from gateway_client.receiver import verify_delivery

CODE = CREDIT_CODE


def sm2_signer(key_id: str, user_id: str = "1234567812345678") -> Sm2Signer:
    return Sm2Signer(key_id, Sm2PrivateKey.generate(), user_id)


def add_sm2_key(gateway: Gateway, region: str, signer: Sm2Signer, **extra: Any) -> Any:
    body = {
        "key_id": signer.key_id,
        "algorithm": "sm2",
        "public_key": signer.private_key.public_key.text(),
        **extra,
    }
    return gateway.client.http.post(
        f"/v1/regions/{region}/keys", headers=gateway.operator(), body=json.dumps(body).encode()
    )


def sm2_platform(gateway: Gateway, region: str = CITY, user_id: str | None = None) -> Sm2Signer:
    signer = sm2_signer(f"k-{region}-sm2-{uuid.uuid4().hex[:6]}", user_id or "1234567812345678")
    assert gateway.put_region(region).status_code == 200
    extra = {"user_id": user_id} if user_id else {}
    assert add_sm2_key(gateway, region, signer, **extra).status_code == 201
    return signer


def sm2_push(gateway: Gateway, signer: Sm2Signer, entries: list[Any], region: str = CITY) -> Any:
    batch_id = new_batch_id()
    body = push_body(region, batch_id, entries)
    headers = signed_headers(signer, batch_id, body, datetime.now(UTC))
    return gateway.client.http.post("/v1/pushes", headers=headers, body=body)


def keys_of(gateway: Gateway, region: str) -> list[str]:
    listed = gateway.client.http.get(f"/v1/regions/{region}/keys", headers=gateway.operator())
    return [key["key_id"] for key in listed.json_body["keys"]]


def listings_of(gateway: Gateway, code: str = CODE) -> list[Any]:
    found = gateway.client.http.get(f"/v1/subjects/{code}", headers=gateway.operator())
    return list(found.json_body.get("listings", [])) if found.status_code == 200 else []


def test_an_sm2_key_is_registered_in_one_spelling_and_a_retry_answers_the_same(gateway):
    gateway.put_region(CITY)
    signer = sm2_signer("k-city-sm2")
    upper = {"public_key": signer.private_key.public_key.text().upper()}

    first = add_sm2_key(gateway, CITY, signer, **upper)
    again = add_sm2_key(gateway, CITY, signer)
    other_id = add_sm2_key(gateway, CITY, signer, user_id="另一个标识")

    assert first.status_code == 201, first.json_body
    assert first.json_body["public_key"] == signer.private_key.public_key.text()
    assert (first.json_body["algorithm"], first.json_body["user_id"]) == ("sm2", None)
    assert again.status_code == 200
    assert (other_id.status_code, error_code(other_id)) == (409, "key_id_taken")


def test_a_key_that_does_not_fit_its_algorithm_is_refused_and_not_stored(gateway):
    gateway.put_region(CITY)
    signer = sm2_signer("k-bad")
    off_curve = signer.private_key.public_key.text()[:-2] + "00"
    cases = [
        ({"public_key": off_curve}, "public_key"),
        ({"public_key": gateway.public_key}, "public_key"),  # a whpk_ text under sm2
        ({"algorithm": "ed25519", "public_key": gateway.public_key, "user_id": "x"}, "user_id"),
        ({"algorithm": "rsa"}, "algorithm"),
    ]
    for fields, where in cases:
        refused = add_sm2_key(gateway, CITY, signer, **fields)
        assert refused.status_code == 400, (fields, refused.json_body)
        assert error_code(refused) == "invalid_schema"
        assert where in json.dumps(refused.json_body["error"])
    assert keys_of(gateway, CITY) == []


def test_a_push_signed_v1sm2_is_accepted_and_stored(gateway):
    signer = sm2_platform(gateway)

    pushed = sm2_push(gateway, signer, [black_entry(credit_code=CODE)])

    assert pushed.status_code == 200, pushed.json_body
    assert pushed.json_body["accepted"] == 1
    assert [x["listing"]["credit_code"] for x in listings_of(gateway)] == [CODE]


def test_a_push_under_another_user_id_or_for_another_region_writes_nothing(gateway, aws):
    stream = listings_stream(aws)
    signer = sm2_platform(gateway, user_id="清远市信用平台")
    other_region = sm2_platform(gateway, region=HUNAN)
    default_id = Sm2Signer(signer.key_id, signer.private_key)

    wrong_id = sm2_push(gateway, default_id, [black_entry(credit_code=CODE)])
    foreign = sm2_push(gateway, other_region, [black_entry(credit_code=CODE)], region=CITY)
    right = sm2_push(gateway, signer, [black_entry(credit_code=CODE, reason="拒不履行")])

    assert (wrong_id.status_code, error_code(wrong_id)) == (401, "invalid_signature")
    assert foreign.status_code == 403, foreign.json_body
    assert right.json_body["accepted"] == 1
    assert [x["listing"]["reason"] for x in listings_of(gateway)] == ["拒不履行"]
    assert len(stream.event()["Records"]) == 1  # only the accepted push reached the stream


def test_a_request_signed_v1sm2_is_answered_once(gateway):
    signer = sm2_platform(gateway)
    headers = request_headers(signer, "GET", "/v1/log?from=1&limit=5", b"", datetime.now(UTC))

    first = gateway.client.http.get("/v1/log?from=1&limit=5", headers=headers)
    again = gateway.client.http.get("/v1/log?from=1&limit=5", headers=headers)

    assert first.status_code == 200, first.json_body
    assert (again.status_code, error_code(again)) == (409, "request_replayed")


def test_without_sm2_signing_a_v1sm2_subscription_is_refused_and_the_key_list_unchanged(
    gateway, receiver
):
    gateway.put_region(HUNAN)

    refused = gateway.subscribe_as_operator(
        region=HUNAN, url=receiver.url, signature_scheme="v1sm2"
    )
    keys = gateway.client.http.get("/v1/keys").json_body["keys"]
    listed = gateway.client.http.get("/v1/subscriptions?region=430000", headers=gateway.operator())

    assert (refused.status_code, error_code(refused)) == (400, "sm2_not_offered")
    assert refused.json_body["error"]["path"] == "signature_scheme"
    assert [key["algorithm"] for key in keys] == ["ed25519"]
    assert listed.json_body["subscriptions"] == []
    assert receiver.requests == []


def test_with_sm2_signing_deliveries_and_checkpoints_verify_with_the_listed_sm2_key(
    gateway, aws, receiver
):
    gateway.configure(sm2_signing="true")
    keys = [
        PublishedKey.model_validate(k)
        for k in gateway.client.http.get("/v1/keys").json_body["keys"]
    ]
    city = sm2_platform(gateway)
    gateway.put_region(HUNAN)
    subscription_id = subscribe(gateway, receiver.url, signature_scheme="v1sm2")["subscription_id"]
    stream = listings_stream(aws)

    assert sm2_push(gateway, city, [black_entry(credit_code=CODE)]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)
    published = gateway.client.http.get("/v1/log/checkpoints").json_body["checkpoints"]

    assert [(k.key_id, k.algorithm, k.status) for k in keys] == [
        ("gw-test-1", "ed25519", "current"),
        ("gw-test-1.sm2", "sm2", "current"),
    ]
    sm2_only = [k for k in keys if k.algorithm == "sm2"]
    [delivery] = receiver.requests
    assert delivery.headers["webhook-signature"].startswith("v1sm2,")
    assert delivery.headers["x-credit-key-id"] == "gw-test-1.sm2"
    verify_delivery(
        delivery.headers,
        delivery.body,
        datetime.now(UTC),
        subscription_id=subscription_id,
        region=HUNAN,
        public_keys=sm2_only,
    )
    checkpoint = Checkpoint.model_validate(published[-1])  # fan-out signed it
    assert checkpoint.sm2_key_id == "gw-test-1.sm2"
    assert checkpoint_sm2_verifies(checkpoint, sm2_usable_at(keys, checkpoint.at))


def test_gateway_keys_derives_from_the_signing_secret_what_the_gateway_lists(gateway, tmp_path):
    gateway.configure(sm2_signing="true")
    secret = tmp_path / "signing.secret"
    secret.write_text(gateway.signing_key + "\n", encoding="utf-8")

    listed = gateway.client.http.get("/v1/keys").json_body["keys"]

    assert {k["algorithm"]: k["public_key"] for k in listed} == gateway_public_keys(str(secret))
