"""A key id header no key can have is refused 403 ``unknown_key`` before anything is looked up
(review 248): looked up as given, one over 2,048 bytes made DynamoDB refuse the read (a
ValidationException on GetItem as on PutItem; moto checks PutItem only, so it is emulated here
as ``expression_limit`` emulates the 4 KB one), and every signed route answered anyone 500."""

from __future__ import annotations

from typing import Any

import botocore.client
import pytest
from app_support import HUNAN, Gateway, new_batch_id, platform_headers, push_body
from botocore.exceptions import ClientError

from gateway_client.push_client import wire_target

_KEY_BYTES = 2048


@pytest.fixture
def keys_sized_as_on_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    current = botocore.client.BaseClient._make_api_call

    def as_aws(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name != "dynamodb":
            return current(self, operation, params)
        keys = [params.get("Key") or {}]
        for table in (params.get("RequestItems") or {}).values():
            keys += list(table.get("Keys", []))
        if any(len((k.get("pk") or {}).get("S", "").encode()) > _KEY_BYTES for k in keys):
            error = {"Code": "ValidationException", "Message": "Size of hashkey has exceeded"}
            raise ClientError({"Error": error}, operation)
        return current(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", as_aws)


BAD_KEY_IDS = ["k" * 3000, "ab", "hn#key", "湖南-key", "k" * 65]


@pytest.mark.usefixtures("keys_sized_as_on_aws")
@pytest.mark.parametrize("key_id", BAD_KEY_IDS, ids=["3000", "short", "hash", "non-ascii", "65"])
def test_a_push_under_a_key_id_no_key_can_have_is_refused_and_nothing_stored(
    gateway: Gateway, key_id: str
) -> None:
    signer = gateway.register_platform(HUNAN)
    batch = new_batch_id()
    body = push_body(HUNAN, batch, [])
    headers = platform_headers(signer, "POST", "/v1/pushes", body, batch)
    headers["x-credit-key-id"] = key_id

    reply = gateway.client.http.post("/v1/pushes", headers=headers, body=body)

    assert reply.status_code == 403, reply.body[:300]
    error = reply.json_body["error"]
    assert (error["code"], error["path"]) == ("unknown_key", "x-credit-key-id")
    assert key_id not in reply.body.decode()  # not echoed: 3,000 characters of anyone's
    again = gateway.client.http.post(
        "/v1/pushes", headers=platform_headers(signer, "POST", "/v1/pushes", body, batch), body=body
    )
    assert again.status_code == 200  # the batch id was not used up by the refusal


@pytest.mark.usefixtures("keys_sized_as_on_aws")
def test_a_signed_read_under_an_overlong_key_id_is_refused_not_a_500(gateway: Gateway) -> None:
    signer = gateway.register_platform(HUNAN)
    headers = platform_headers(signer, "GET", "/v1/subscriptions", b"")
    headers["x-credit-key-id"] = "k" * 3000

    reply = gateway.client.http.get(wire_target("/v1/subscriptions"), headers=headers)

    assert reply.status_code == 403, reply.body[:300]
    assert reply.json_body["error"]["code"] == "unknown_key"
